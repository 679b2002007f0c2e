import { describe, expect, it } from "vitest";
import { call, chatBody, DEV_KEY, errorOf } from "./edge-fixtures.js";

describe("client API authentication", () => {
	it("refuses a request without an API key with 401 invalid_api_key", async () => {
		const res = await call("POST", "/v1/chat/completions", { body: chatBody() });
		expect(res.status).toBe(401);
		const error = await errorOf(res);
		expect(error.code).toBe("invalid_api_key");
		expect(error.type).toBe("authentication_error");
	});

	it("refuses a wrong API key with 401", async () => {
		const res = await call("GET", "/v1/models", { bearer: "sk-wrong" });
		expect(res.status).toBe(401);
		expect((await errorOf(res)).message).toMatch(/Incorrect API key/);
	});
});

describe("request validation", () => {
	it("names the field, the value received and the allowed roles for a bad role", async () => {
		const res = await call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			body: { model: "m", messages: [{ role: "bot", content: "hi" }] },
		});
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.param).toBe("messages[0].role");
		expect(error.type).toBe("invalid_request_error");
		expect(error.message).toContain(
			'messages[0].role: expected one of "system"|"developer"|"user"|"assistant"|"tool", got "bot" (string)',
		);
	});

	it("says a missing field is missing and what type it needs", async () => {
		const res = await call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: { messages: [] } });
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.message).toContain("model: expected string, got nothing (missing)");
		expect(error.message).toContain("messages: expected at least 1 item, got [] (array)");
	});

	it("answers 400 with a clear message for malformed JSON", async () => {
		const res = await call("POST", "/v1/chat/completions", { bearer: DEV_KEY, rawBody: '{"model": ' });
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.code).toBe("invalid_json");
		expect(error.message).toMatch(/not valid JSON/);
	});

	it("answers 400 for an empty body", async () => {
		const res = await call("POST", "/v1/chat/completions", { bearer: DEV_KEY, rawBody: "" });
		expect(res.status).toBe(400);
		expect((await errorOf(res)).message).toMatch(/empty/);
	});

	it("truncates long values it quotes", async () => {
		const res = await call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			body: { model: "m", messages: [{ role: "user", content: "x" }], temperature: "x".repeat(500) },
		});
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.param).toBe("temperature");
		expect(error.message.length).toBeLessThan(200);
		expect(error.message).toMatch(/^temperature: expected a number from 0 to 2, got "x{59}… \(string\)$/);
	});

	it("validates agent bodies the same way", async () => {
		const res = await call("POST", "/agent/v1/enroll", { body: { token: "short" } });
		expect(res.status).toBe(400);
		expect((await errorOf(res)).message).toContain('token: expected a string of at least 16 characters, got "short"');
	});

	it("answers unknown routes with 404 in OpenAI's error shape", async () => {
		const res = await call("GET", "/v1/nothing-here", { bearer: DEV_KEY });
		expect(res.status).toBe(404);
		const body = (await res.json()) as Record<string, unknown>;
		expect(body).toEqual({
			error: {
				message: "Unknown route: GET /v1/nothing-here",
				type: "invalid_request_error",
				param: null,
				code: "unknown_route",
			},
		});
	});
});
