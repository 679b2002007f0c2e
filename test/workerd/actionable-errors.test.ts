/**
 * Errors a client can act on: an unknown model is 404 model_not_found (SDKs
 * stop retrying) while a known model without live capacity keeps its 503 with
 * Retry-After; regions no zone carries are 400 unknown_region naming those
 * that exist; a wrong method is 405 with Allow. All in OpenAI's error shape.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, chatBody, DEV_KEY, errorOf } from "./edge-fixtures.js";
import { complete } from "./routing-fixtures.js";

/** Records a finished job for `model` in the D1 history, as the zone's history flush would. */
async function servedOnce(model: string): Promise<void> {
	await env.DB.prepare(
		`INSERT INTO jobs (id, tenant_id, model, zone_id, status, stream, received_at)
		 VALUES (?, 'tenant_dev', ?, 'eu-stockholm', 'succeeded', 0, ?)`,
	)
		.bind(`job_${crypto.randomUUID().replaceAll("-", "")}`, model, Date.now())
		.run();
}

describe("unknown and known models", () => {
	it("answers 404 model_not_found, without Retry-After, for a model no node has ever served", async () => {
		for (const res of [
			await call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: chatBody({ model: "never-served:7b" }) }),
			await call("POST", "/v1/jobs", { bearer: DEV_KEY, body: { request: chatBody({ model: "never-served:7b" }) } }),
		]) {
			expect(res.status).toBe(404);
			expect(res.headers.get("retry-after")).toBeNull();
			const error = await errorOf(res);
			expect(error).toMatchObject({ type: "invalid_request_error", param: "model", code: "model_not_found" });
			expect(error.message).toContain('"never-served:7b"');
		}
		const recorded = await env.DB.prepare("SELECT count(*) AS n FROM async_jobs WHERE model = ?")
			.bind("never-served:7b")
			.first<{ n: number }>();
		expect(recorded?.n).toBe(0);
	});

	it("keeps 503 no_capacity with Retry-After for a model served before that no live node serves now", async () => {
		await servedOnce("served-before:7b");
		const res = await call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			body: chatBody({ model: "served-before:7b" }),
		});
		expect(res.status).toBe(503);
		expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
		expect((await errorOf(res)).code).toBe("no_capacity");
	});
});

describe("unknown regions", () => {
	it("answers 400 unknown_region naming the regions that exist, from the header and the body alike", async () => {
		const fromHeader = await complete({ headers: { "x-arcnet-regions": "mars,moon" } });
		const fromBody = await call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			body: chatBody({ arcnet: { regions: ["mars"] } }),
		});
		for (const [res, field] of [
			[fromHeader, "x-arcnet-regions"],
			[fromBody, "arcnet.regions"],
		] as const) {
			expect(res.status).toBe(400);
			expect(res.headers.get("retry-after")).toBeNull();
			const error = await errorOf(res);
			expect(error).toMatchObject({ type: "invalid_request_error", param: field, code: "unknown_region" });
			expect(error.message).toContain("mars");
			// The seeded catalogue's tags, listed so the client can pick one.
			expect(error.message).toContain("eu");
			expect(error.message).toContain("apac");
		}
	});

	it("routes as before when one of the regions is carried by a zone", async () => {
		const res = await complete({ headers: { "x-arcnet-regions": "mars,eu" } });
		expect((await errorOf(res)).code).not.toBe("unknown_region");
	});
});

describe("wrong methods", () => {
	it.each([
		["GET", "/v1/chat/completions", "POST"],
		["DELETE", "/v1/models", "GET, HEAD"],
		["PUT", "/v1/jobs/job_abcdefghijklmnop1234", "DELETE, GET, HEAD"],
		["GET", "/admin/v1/enrollment-tokens/tok_1/revoke", "POST"],
	])("answers %s %s with 405 and Allow: %s", async (method, path, allow) => {
		const bearer = path.startsWith("/admin") ? "sk-test-admin-key-0000000000" : DEV_KEY;
		const res = await call(method, path, { bearer });
		expect(res.status).toBe(405);
		expect(res.headers.get("allow")).toBe(allow);
		const error = await errorOf(res);
		expect(error).toMatchObject({ type: "invalid_request_error", code: "method_not_allowed" });
		expect(error.message).toContain(allow);
	});

	it("still answers 404 for a path no method serves", async () => {
		const res = await call("GET", "/v1/nothing-here", { bearer: DEV_KEY });
		expect(res.status).toBe(404);
		expect((await errorOf(res)).code).toBe("unknown_route");
	});
});
