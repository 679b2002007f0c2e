import { beforeAll, describe, expect, it } from "vitest";
import type { TestNode } from "./edge-fixtures.js";
import { ADMIN_KEY, call, DEV_KEY, errorOf } from "./edge-fixtures.js";
import { answer, complete, FRANKFURT_CF, liveZone, pollJob } from "./routing-fixtures.js";

function admin(method: string, path: string, body?: unknown): Promise<Response> {
	return call(method, path, { bearer: ADMIN_KEY, ...(body !== undefined ? { body } : {}) });
}

/** Sends one chat completion as tenant_dev, lets the Frankfurt node answer it, and returns the response. */
async function routedOnce(node: TestNode): Promise<Response> {
	const pending = complete({ cf: FRANKFURT_CF });
	await answer(node, await pollJob(node));
	return pending;
}

describe("admin tenants", () => {
	let frankfurt: TestNode;

	beforeAll(async () => {
		frankfurt = await liveZone("eu-frankfurt");
	});

	it("lists tenants with their default policy", async () => {
		const res = await admin("GET", "/admin/v1/tenants");
		expect(res.status).toBe(200);
		const { data } = (await res.json()) as { data: Record<string, unknown>[] };
		expect(data).toContainEqual(
			expect.objectContaining({ id: "tenant_dev", name: "Local development", defaultPolicy: null }),
		);
	});

	it("applies a default policy set through the API to the tenant's next request", async () => {
		const set = await admin("PATCH", "/admin/v1/tenants/tenant_dev", { defaultPolicy: " Carbon " });
		expect(await set.json()).toMatchObject({ id: "tenant_dev", name: "Local development", defaultPolicy: "carbon" });
		expect((await routedOnce(frankfurt)).headers.get("x-arcnet-policy")).toBe("carbon");

		await admin("PATCH", "/admin/v1/tenants/tenant_dev", { defaultPolicy: "latency" });
		expect((await routedOnce(frankfurt)).headers.get("x-arcnet-policy")).toBe("latency");

		const cleared = await admin("PATCH", "/admin/v1/tenants/tenant_dev", { defaultPolicy: null });
		expect(((await cleared.json()) as { defaultPolicy: unknown }).defaultPolicy).toBeNull();
		expect((await routedOnce(frankfurt)).headers.get("x-arcnet-policy")).toBe("balanced");
	});

	it("stores weights in canonical form", async () => {
		const res = await admin("PATCH", "/admin/v1/tenants/tenant_dev", {
			defaultPolicy: "weights:carbon=0.7, latency=0.3",
		});
		expect(((await res.json()) as { defaultPolicy: string }).defaultPolicy).toBe("weights:latency=0.3,carbon=0.7");
		await admin("PATCH", "/admin/v1/tenants/tenant_dev", { defaultPolicy: null });
	});

	it("refuses a policy the router cannot read, naming the field, the value and what is allowed", async () => {
		const res = await admin("PATCH", "/admin/v1/tenants/tenant_dev", { defaultPolicy: "fastest" });
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.param).toBe("defaultPolicy");
		expect(error.message).toMatch(/defaultPolicy: got "fastest"; allowed: latency, carbon, balanced or weights/);
		const missing = await admin("PATCH", "/admin/v1/tenants/tenant_dev", {});
		expect(missing.status).toBe(400);
		expect((await errorOf(missing)).message).toBe("body: expected at least one field to change, got {} (object)");
	});

	it("answers 404 for an unknown tenant", async () => {
		const res = await admin("PATCH", "/admin/v1/tenants/tenant_nobody", { defaultPolicy: "carbon" });
		expect(res.status).toBe(404);
		expect((await errorOf(res)).code).toBe("tenant_not_found");
	});

	it("requires the admin key", async () => {
		expect((await call("GET", "/admin/v1/tenants", { bearer: DEV_KEY })).status).toBe(401);
		expect((await call("PATCH", "/admin/v1/tenants/tenant_dev", { body: { defaultPolicy: null } })).status).toBe(401);
	});
});
