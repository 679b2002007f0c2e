/** GET /metrics reports each tenant's limit refusals, summed over its keys, from the keys' limiters. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_KEY, call, MODEL } from "./edge-fixtures.js";

async function admin<T>(method: string, path: string, body: unknown): Promise<T> {
	const res = await call(method, `/admin/v1${path}`, { bearer: ADMIN_KEY, body });
	if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
}

const chat = (bearer: string) =>
	call("POST", "/v1/chat/completions", { bearer, body: { model: MODEL, messages: [{ role: "user", content: "hi" }] } });

async function refusals(tenantId: string, reason: string): Promise<number | undefined> {
	const res = await call("GET", "/metrics", { bearer: ADMIN_KEY });
	expect(res.status).toBe(200);
	const series = `arcnet_tenant_refusals_total{reason="${reason}",tenant="${tenantId}"} `;
	const line = (await res.text()).split("\n").find((l) => l.startsWith(series));
	return line === undefined ? undefined : Number(line.slice(series.length));
}

describe("GET /metrics tenant refusals", () => {
	it("counts rate refusals of every key of the tenant, and revoking a key does not lower the sum", async () => {
		const tenant = await admin<{ id: string }>("POST", "/tenants", { name: "refused", rateLimitPerMinute: 1 });
		const keys = await Promise.all(
			["a", "b"].map((name) =>
				admin<{ key: string; id: string }>("POST", "/keys", { tenantId: tenant.id, name, scopes: ["inference"] }),
			),
		);
		expect(await refusals(tenant.id, "rate")).toBe(0);
		for (const { key } of keys) {
			expect((await chat(key)).status).not.toBe(429);
			expect((await chat(key)).status).toBe(429);
		}
		expect((await chat(keys[0]?.key ?? "")).status).toBe(429);
		expect(await refusals(tenant.id, "rate")).toBe(3);
		expect(await refusals(tenant.id, "daily_tokens")).toBe(0);
		await admin("POST", `/keys/${keys[0]?.id}/revoke`, {});
		expect(await refusals(tenant.id, "rate")).toBe(3);
	});

	it("counts a request the limits admitted but no zone could take as the tenant's no_capacity refusal", async () => {
		const tenant = await admin<{ id: string }>("POST", "/tenants", { name: "no-capacity" });
		const { key } = await admin<{ key: string }>("POST", "/keys", {
			tenantId: tenant.id,
			name: "k",
			scopes: ["inference"],
		});
		// A model served once (in D1's history) that no live node serves now: 503 no_capacity, not 404.
		await env.DB.prepare(
			`INSERT INTO jobs (id, tenant_id, model, zone_id, status, stream, received_at)
			 VALUES ('job_servedonce000000000000', 'tenant_dev', 'served-once:7b', 'eu-stockholm', 'succeeded', 0, ?)`,
		)
			.bind(Date.now())
			.run();
		expect(await refusals(tenant.id, "no_capacity")).toBe(0);
		const res = await call("POST", "/v1/chat/completions", {
			bearer: key,
			body: { model: "served-once:7b", messages: [{ role: "user", content: "hi" }] },
		});
		expect(res.status).toBe(503);
		// The limiter counts it when the permit is released, which the response does not wait for.
		for (let i = 0; i < 50 && (await refusals(tenant.id, "no_capacity")) !== 1; i++) {
			await new Promise((r) => setTimeout(r, 20));
		}
		expect(await refusals(tenant.id, "no_capacity")).toBe(1);
		expect(await refusals(tenant.id, "rate")).toBe(0);
	});
});
