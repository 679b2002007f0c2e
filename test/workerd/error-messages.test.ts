/**
 * Validation messages that a person can act on: each names the field, the
 * value received and what is allowed, in words rather than zod's defaults,
 * and quotes at most 60 characters of a bad value, header values included.
 */
import { describe, expect, it } from "vitest";
import { agentCall, call, chatBody, DEV_KEY, enrollNode, errorOf } from "./edge-fixtures.js";
import { complete } from "./routing-fixtures.js";

describe("validation messages", () => {
	it("states max_tokens' range from 1 when it is 0", async () => {
		const res = await call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: chatBody({ max_tokens: 0 }) });
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.param).toBe("max_tokens");
		expect(error.message).toBe("max_tokens: expected an integer from 1 to 32768, got 0 (number)");
	});

	it("names the content part's type when no content part has it", async () => {
		const body = {
			model: "m",
			messages: [{ role: "user", content: [{ type: "video_url", video_url: { url: "https://x.test/a.mp4" } }] }],
		};
		const res = await call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body });
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.param).toBe("messages[0].content[0].type");
		expect(error.message).toContain('got "video_url"');
	});

	it("says which shapes content may take when it is neither", async () => {
		const res = await call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			body: { model: "m", messages: [{ role: "user", content: 5 }] },
		});
		expect(res.status).toBe(400);
		expect((await errorOf(res)).message).toBe("messages[0].content: expected string or array, got 5 (number)");
	});

	it("lists the event types when a node posts an unknown one", async () => {
		const node = await enrollNode("us-oregon");
		const res = await agentCall(node, `/jobs/job_${"a".repeat(20)}/events`, {
			leaseId: `lease_${"b".repeat(20)}`,
			events: [{ seq: 0, type: "bogus" }],
		});
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.param).toBe("events[0].type");
		expect(error.message).toBe('events[0].type: expected one of "delta"|"done"|"error", got "bogus" (string)');
	});
});

describe("bad header values", () => {
	const long = `x${"9".repeat(200)}`;

	it.each([
		["x-arcnet-max-latency-ms", long],
		["x-arcnet-regions", `${"r".repeat(30)},${"s".repeat(170)}`],
		["x-arcnet-policy", long],
	])("quotes at most 60 characters of %s", async (header, value) => {
		const res = await complete({ headers: { [header]: value } });
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.param).toBe(header);
		// 60 characters of JSON: the opening quote and 59 of the value, then "…".
		expect(error.message).toContain(`"${value.slice(0, 59)}…`);
		expect(error.message).not.toContain(value.slice(0, 60));
	});
});
