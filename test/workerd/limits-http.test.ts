import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ADMIN_KEY, call, DEV_KEY, errorOf, MODEL } from "./edge-fixtures.js";
import { answer, liveZone, pollJob } from "./routing-fixtures.js";

const chat = (bearer: string, extra: Record<string, unknown> = {}) =>
	call("POST", "/v1/chat/completions", {
		bearer,
		body: { model: MODEL, messages: [{ role: "user", content: "hi" }], ...extra },
	});

async function admin<T>(method: string, path: string, body: unknown): Promise<T> {
	const res = await call(method, `/admin/v1${path}`, { bearer: ADMIN_KEY, body });
	if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
}

/** A new tenant with `limits`, and a key of it with `keyLimits` (its own overrides). */
async function tenantKey(
	limits: Record<string, number>,
	keyLimits: Record<string, number> = {},
	scopes: string[] = ["inference"],
) {
	const tenant = await admin<{ id: string }>("POST", "/tenants", { name: "limits test", ...limits });
	const key = await admin<{ key: string; id: string }>("POST", "/keys", {
		tenantId: tenant.id,
		name: "k",
		scopes,
		...keyLimits,
	});
	return { tenantId: tenant.id, ...key };
}

describe("limits on POST /v1/jobs", () => {
	it("answers 429 once over the rate, and records no job for the refused request", async () => {
		const { key, tenantId } = await tenantKey({ rateLimitPerMinute: 1 }, {}, ["inference", "jobs"]);
		const job = () =>
			call("POST", "/v1/jobs", {
				bearer: key,
				body: { request: { model: MODEL, messages: [{ role: "user", content: "hi" }] } },
			});
		expect((await job()).status).not.toBe(429);
		const refused = await job();
		expect(refused.status).toBe(429);
		expect((await errorOf(refused)).code).toBe("rate_limit_exceeded");
		const rows = await env.DB.prepare("SELECT count(*) AS n FROM async_jobs WHERE tenant_id = ?")
			.bind(tenantId)
			.first<{ n: number }>();
		expect(rows?.n ?? 0).toBeLessThanOrEqual(1);
	});
});

describe("limits on POST /v1/chat/completions", () => {
	it("answers 429 rate_limit_exceeded with Retry-After once a key inherits its tenant's rate and goes over it", async () => {
		const { key } = await tenantKey({ rateLimitPerMinute: 2 });
		for (let i = 0; i < 2; i++) expect((await chat(key)).status).not.toBe(429);
		const res = await chat(key);
		expect(res.status).toBe(429);
		expect(res.headers.get("retry-after")).toBe("30");
		expect(res.headers.get("x-ratelimit-limit-requests")).toBe("2");
		expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("0");
		const error = await errorOf(res);
		expect(error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
		expect(error.message).toContain("2 requests per minute");
	});

	it("lets a key's own limit override its tenant's", async () => {
		const { key } = await tenantKey({ rateLimitPerMinute: 1 }, { rateLimitPerMinute: 3 });
		for (let i = 0; i < 3; i++) expect((await chat(key)).status).not.toBe(429);
		expect((await chat(key)).status).toBe(429);
	});

	it("counts each key of a tenant on its own", async () => {
		const { key, tenantId } = await tenantKey({ rateLimitPerMinute: 1 });
		const other = await admin<{ key: string }>("POST", "/keys", { tenantId, name: "k2", scopes: ["inference"] });
		expect((await chat(key)).status).not.toBe(429);
		expect((await chat(key)).status).toBe(429);
		expect((await chat(other.key)).status).not.toBe(429);
	});

	it("refuses with 400 naming the fix a request whose max_tokens alone is over the whole daily quota", async () => {
		const { key } = await tenantKey({ dailyTokenQuota: 500 });
		const res = await chat(key, { max_tokens: 1_000 });
		expect(res.status).toBe(400);
		expect(res.headers.get("retry-after")).toBeNull();
		const error = await errorOf(res);
		expect(error).toMatchObject({ type: "invalid_request_error", code: "request_exceeds_daily_quota" });
		expect(error.param).toBe("max_tokens");
		expect(error.message).toContain("daily quota of 500 tokens");
		expect(error.message).toMatch(/Set max_tokens to at most \d+/);
		// A small request still fits, and a refusal before output charges nothing.
		const small = await chat(key, { max_tokens: 10 });
		expect([400, 429]).not.toContain(small.status);
	});

	it("tells a key whose quota is under the default reservation to set max_tokens, not to wait a day", async () => {
		const { key } = await tenantKey({ dailyTokenQuota: 1_000 });
		const res = await chat(key);
		expect(res.status).toBe(400);
		expect(res.headers.get("retry-after")).toBeNull();
		const error = await errorOf(res);
		expect(error.code).toBe("request_exceeds_daily_quota");
		expect(error.message).toContain("the request sets no max_tokens");
		const room = Number(/Set max_tokens to at most (\d+)/.exec(error.message)?.[1]);
		expect(room).toBeGreaterThan(0);
		expect(room).toBeLessThan(1_000);
		// The max_tokens field itself lengthens the body, and so the prompt estimate, by a few tokens.
		const fits = await chat(key, { max_tokens: room - 10 });
		expect([400, 429]).not.toContain(fits.status);
	});

	it("sends OpenAI's x-ratelimit-*-requests headers on requests it admits (dev key: deployment default)", async () => {
		const res = await chat(DEV_KEY);
		expect(res.status).not.toBe(429);
		expect(res.headers.get("x-ratelimit-limit-requests")).toBe("600");
		expect(Number(res.headers.get("x-ratelimit-remaining-requests"))).toBeLessThan(600);
		expect(res.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+(ms|s)$/);
	});
});

describe("settling the daily tokens to the job's real usage", () => {
	it("charges what the node reported, for JSON and SSE answers alike, and frees the permits", async () => {
		const node = await liveZone("eu-stockholm");
		const { id, key } = await tenantKey({ dailyTokenQuota: 1_000_000 });
		for (const stream of [false, true]) {
			const pending = chat(key, { stream, max_tokens: 5_000 });
			await answer(node, await pollJob(node));
			const res = await pending;
			expect(res.status).toBe(200);
			await res.text();
		}
		// finish is sent in the background once each body ended; poll its counters until both are settled.
		await vi.waitFor(async () => {
			const usage = await admin<Record<string, unknown>>("GET", `/keys/${id}/usage`, undefined);
			// "Hi" was 3 prompt + 1 completion tokens, twice; the 5,000-token reservations are gone.
			expect(usage).toMatchObject({ inFlight: 0, tokensReservedToday: 0, tokensUsedToday: 8 });
		});
	});
});

describe("GET /admin/v1/keys/:id/usage", () => {
	it("reports a key's counters, with nothing in flight once its requests have finished", async () => {
		const { id, key } = await tenantKey({ rateLimitPerMinute: 10, maxConcurrent: 4, dailyTokenQuota: 100_000 });
		// A model no zone serves: refused at once, after admission.
		expect((await chat(key, { model: "no-zone-serves-this" })).status).toBeGreaterThanOrEqual(400);
		const usage = await admin<Record<string, unknown>>("GET", `/keys/${id}/usage`, undefined);
		expect(usage).toMatchObject({
			keyId: id,
			limits: { ratePerMinute: 10, maxConcurrent: 4, dailyTokens: 100_000 },
			inFlight: 0,
			tokensReservedToday: 0,
		});
		expect(usage.requestsAvailable).toBeLessThan(10);
	});

	it("answers 404 for an unknown key id and 400 for a malformed one", async () => {
		const unknown = await call("GET", `/admin/v1/keys/key_${"0".repeat(24)}/usage`, { bearer: ADMIN_KEY });
		expect(unknown.status).toBe(404);
		const malformed = await call("GET", "/admin/v1/keys/nope/usage", { bearer: ADMIN_KEY });
		expect(malformed.status).toBe(400);
		expect((await errorOf(malformed)).message).toContain("nope");
	});
});
