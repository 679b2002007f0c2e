/**
 * Usage accounting is the same for every endpoint: the key's daily tokens are
 * charged with what the usage reports (an embeddings usage has prompt tokens
 * only), and an embeddings request reserves no completion tokens.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { KeyUsage } from "../../durable-objects/key-limiter/contract.js";
import { requireApiKey } from "../../src/auth/bearer.js";
import type { AppEnv } from "../../src/http/app-env.js";
import { onError } from "../../src/http/on-error.js";
import { DEFAULT_COMPLETION_RESERVATION, estimateRequestTokens } from "../../src/limits/estimate.js";
import { limitRequests, requireAdmission } from "../../src/limits/middleware.js";
import { type CountedUsage, chargedTokens, endpointOfPath } from "../../src/limits/usage.js";
import { admin, createKey, createTenant } from "./api-key-fixtures.js";

/** The real auth and limits middleware in front of handlers that report a given usage, as inference routes do. */
function appReporting(usage: CountedUsage) {
	const app = new Hono<AppEnv>();
	app.onError(onError);
	app.use("*", requireApiKey);
	for (const path of ["/v1/embeddings", "/v1/completions", "/v1/chat/completions"]) {
		app.post(path, limitRequests, async (c) => {
			await requireAdmission(c);
			c.set("jobUsage", usage);
			return c.json({ object: "list", usage });
		});
	}
	return app;
}

async function post(app: Hono<AppEnv>, path: string, key: string, body: unknown): Promise<Response> {
	const ctx = createExecutionContext();
	const res = await app.fetch(
		new Request(`http://edge${path}`, {
			method: "POST",
			headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
			body: JSON.stringify(body),
		}),
		env,
		ctx,
	);
	await res.text();
	await waitOnExecutionContext(ctx);
	return res;
}

async function usageOf(keyId: string): Promise<KeyUsage> {
	const res = await admin("GET", `/admin/v1/keys/${keyId}/usage`);
	expect(res.status).toBe(200);
	return (await res.json()) as KeyUsage;
}

describe("usage accounting per endpoint", () => {
	it("charges an embeddings usage of prompt tokens only against the key's daily tokens", async () => {
		await createTenant("tenant-embed-usage");
		const key = await createKey("tenant-embed-usage", { dailyTokenQuota: 100_000 });
		const app = appReporting({ prompt_tokens: 37, total_tokens: 37 });
		const res = await post(app, "/v1/embeddings", key.key, { model: "e5", input: ["a", "b"] });
		expect(res.status).toBe(200);
		expect(await usageOf(key.id)).toMatchObject({ tokensUsedToday: 37, tokensReservedToday: 0, inFlight: 0 });
	});

	it("charges legacy and chat completions their prompt and completion tokens", async () => {
		await createTenant("tenant-text-usage");
		const key = await createKey("tenant-text-usage", { dailyTokenQuota: 100_000 });
		const app = appReporting({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
		expect((await post(app, "/v1/completions", key.key, { model: "m", prompt: "x" })).status).toBe(200);
		expect((await post(app, "/v1/chat/completions", key.key, { model: "m", messages: [] })).status).toBe(200);
		expect(await usageOf(key.id)).toMatchObject({ tokensUsedToday: 30, tokensReservedToday: 0 });
	});

	it("admits an embeddings request that a completion's default reservation would not fit", async () => {
		await createTenant("tenant-embed-quota");
		const key = await createKey("tenant-embed-quota", { dailyTokenQuota: 500 });
		const app = appReporting({ prompt_tokens: 20, total_tokens: 20 });
		expect((await post(app, "/v1/embeddings", key.key, { model: "e5", input: "short text" })).status).toBe(200);
		// A completion's default reservation alone exceeds the whole quota: refused, naming the fix.
		const completion = await post(app, "/v1/completions", key.key, { model: "m", prompt: "short text" });
		expect(completion.status).toBe(400);
	});
});

describe("charged tokens", () => {
	it("counts prompt and completion, or the total when larger, and nothing reported as unknown", () => {
		expect(chargedTokens({ prompt_tokens: 8, total_tokens: 8 })).toBe(8);
		expect(chargedTokens({ prompt_tokens: 8, completion_tokens: 4 })).toBe(12);
		expect(chargedTokens({ prompt_tokens: 8, completion_tokens: 4, total_tokens: 20 })).toBe(20);
		expect(chargedTokens({ total_tokens: 9 })).toBe(9);
		expect(chargedTokens({})).toBeNull();
	});

	it("reserves only the prompt estimate for embeddings", () => {
		const body = JSON.stringify({ model: "e5", input: "x".repeat(400) });
		expect(estimateRequestTokens(body, "embeddings").total).toBe(Math.ceil(body.length / 4));
		expect(estimateRequestTokens(body, "completions").total).toBe(
			Math.ceil(body.length / 4) + DEFAULT_COMPLETION_RESERVATION,
		);
		expect(endpointOfPath("/v1/embeddings")).toBe("embeddings");
		expect(endpointOfPath("/v1/chat/completions")).toBe("chat/completions");
		expect(endpointOfPath("/v1/jobs")).toBeNull();
	});
});
