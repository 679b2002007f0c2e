/**
 * The limits middleware when the client leaves before the response and the
 * runtime ends the handler there (as deployed Workers do): the handler never
 * returns, so the permit must be released from the abort itself. Before the
 * job starts, the token reservation is refunded; once it started, it stays.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/http/app-env.js";
import { keyLimiterStub, limitRequests, requireAdmission } from "../../src/limits/middleware.js";

/** An app whose handler is admitted and then hangs, as one whose client left would be dropped. */
function hangingApp(keyId: string, started: boolean) {
	const app = new Hono<AppEnv>();
	app.use(async (c, next) => {
		c.set("client", {
			tenantId: "t-abort",
			keyId,
			keyPrefix: keyId,
			scopes: ["inference"],
			allowedModels: null,
			allowedRegions: null,
			limits: { ratePerMinute: null, maxConcurrent: 2, dailyTokens: 1_000_000 },
		});
		await next();
	});
	app.use(limitRequests);
	app.post("/run", async (c) => {
		await requireAdmission(c);
		if (started) c.set("jobStarted", true);
		return new Promise<Response>(() => undefined);
	});
	return app;
}

/** Sends one request that its client abandons once admitted; returns the work the middleware left in waitUntil. */
async function abandon(keyId: string, started: boolean): Promise<void> {
	const waits: Promise<unknown>[] = [];
	const ctx = { waitUntil: (p: Promise<unknown>) => waits.push(p), passThroughOnException: () => undefined, props: {} };
	const client = new AbortController();
	const request = new Request("http://edge/run", {
		method: "POST",
		body: JSON.stringify({ messages: [{ role: "user", content: "x".repeat(400) }], max_tokens: 100 }),
		signal: client.signal,
	});
	void hangingApp(keyId, started).fetch(request, env, ctx as unknown as ExecutionContext);
	const usage = () => keyLimiterStub(env, keyId).usage({ keyId });
	for (let i = 0; i < 100 && (await usage()).inFlight === 0; i++) await scheduler.wait(10);
	expect((await usage()).inFlight).toBe(1);
	client.abort();
	// waitUntil holds the release; in the runtime it outlives the dropped handler.
	for (let i = 0; i < 100 && waits.length === 0; i++) await scheduler.wait(10);
	await Promise.all(waits);
}

describe("limits when the client leaves before the response", () => {
	it("releases the permit and refunds the reservation of a job that had not started", async () => {
		await abandon("key_abort_before", false);
		const usage = await keyLimiterStub(env, "key_abort_before").usage({ keyId: "key_abort_before" });
		expect(usage.inFlight).toBe(0);
		expect(usage.tokensReservedToday).toBe(0);
		expect(usage.tokensUsedToday).toBe(0);
	});

	it("releases the permit but keeps the reservation of a job that had started", async () => {
		await abandon("key_abort_after", true);
		const usage = await keyLimiterStub(env, "key_abort_after").usage({ keyId: "key_abort_after" });
		expect(usage.inFlight).toBe(0);
		expect(usage.tokensReservedToday).toBe(0);
		expect(usage.tokensUsedToday).toBeGreaterThan(0);
	});
});
