/**
 * A body nested thousands of levels deep is refused at the input limits with
 * a 400 naming where it got too deep, on every endpoint that reads JSON, and
 * never reaches a step that would recurse once per level.
 */
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../src/protocol/json-depth.js";
import { ADMIN_KEY, call, chatBody, DEV_KEY, enrollNode, errorOf, pollBody, signAgentJwt } from "./edge-fixtures.js";

/** `{"a":{"a":…{}}}` nested `levels` deep, as raw text (JSON.stringify would recurse). */
function nested(levels: number): string {
	return `${'{"a":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`;
}

/** A body whose `field` holds `levels` of nesting, spliced into `base`. */
function withDeepField(base: Record<string, unknown>, field: string, levels: number): string {
	const text = JSON.stringify(base);
	return `${text.slice(0, -1)},${JSON.stringify(field)}:${nested(levels)}}`;
}

describe("JSON nesting limit", () => {
	it("refuses 4,000 levels in an unknown field of POST /v1/jobs with 400 naming the path", async () => {
		const rawBody = `{"request":${withDeepField(chatBody(), "extra", 4_000)}}`;
		const res = await call("POST", "/v1/jobs", { bearer: DEV_KEY, rawBody });
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.code).toBe("nesting_too_deep");
		expect(error.param).toMatch(/^request\.extra\.a\.a\.a/);
		expect(error.message).toContain(`at most ${MAX_JSON_DEPTH} levels`);
	});

	it("refuses the same on POST /v1/chat/completions", async () => {
		const res = await call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			rawBody: withDeepField(chatBody(), "metadata", 4_000),
		});
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.code).toBe("nesting_too_deep");
		expect(error.param).toMatch(/^metadata\.a/);
	});

	it("refuses the same on the agent and admin APIs", async () => {
		const node = await enrollNode("us-oregon");
		const poll = await call("POST", "/agent/v1/poll", {
			bearer: await signAgentJwt(node),
			rawBody: withDeepField(pollBody(), "x", 4_000),
		});
		expect(poll.status).toBe(400);
		expect((await errorOf(poll)).code).toBe("nesting_too_deep");
		const admin = await call("POST", "/admin/v1/tenants", {
			bearer: ADMIN_KEY,
			rawBody: withDeepField({ id: "deep-tenant" }, "x", 4_000),
		});
		expect(admin.status).toBe(400);
		expect((await errorOf(admin)).code).toBe("nesting_too_deep");
	});

	it("accepts nesting up to the limit where the schema allows unknown fields", async () => {
		const res = await call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			rawBody: withDeepField(chatBody({ max_tokens: 0 }), "metadata", MAX_JSON_DEPTH - 1),
		});
		// max_tokens 0 stops it after validation: the nesting itself passed.
		expect(res.status).toBe(400);
		expect((await errorOf(res)).param).toBe("max_tokens");
	});
});
