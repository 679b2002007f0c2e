/** The Worker's structured log lines (src/protocol/log-line.ts): JSON, ids kept, job content and secrets withheld. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { errorText, log, logLine, MAX_LOG_TEXT, maskCredentials } from "../../src/protocol/log-line.js";

describe("logLine", () => {
	it("writes one JSON object with level, event and the known ids", () => {
		const line = logLine("info", "job_answered", {
			job: "job_abc",
			zone: "eu-north",
			node: "node_x",
			tenant: "tenant_dev",
			trace: "4bf92f3577b34da6a3ce929d0e0e4736",
			attempt: 2,
			stream: false,
			missing: undefined,
			none: null,
		});
		expect(line).not.toContain("\n");
		expect(JSON.parse(line)).toEqual({
			level: "info",
			event: "job_answered",
			job: "job_abc",
			zone: "eu-north",
			node: "node_x",
			tenant: "tenant_dev",
			trace: "4bf92f3577b34da6a3ce929d0e0e4736",
			attempt: 2,
			stream: false,
		});
	});

	it("leaves out fields that would hold a prompt, an output or a secret, at any depth", () => {
		const line = logLine("error", "x", {
			prompt: "tell me a secret",
			Messages: [{ role: "user", content: "hi" }],
			output: "the answer",
			authorization: "Bearer abc",
			apiKey: "sk-whatever",
			webhookSecret: "whsec",
			detail: { zone: "eu", content: "nested prompt", request: { messages: [] } },
		});
		const record = JSON.parse(line) as Record<string, unknown>;
		expect(Object.keys(record).sort()).toEqual(["detail", "event", "level"]);
		expect(record.detail).toBe('{"zone":"eu"}');
		for (const text of ["tell me a secret", "the answer", "Bearer", "sk-whatever", "whsec", "nested prompt", "hi"]) {
			expect(line).not.toContain(text);
		}
	});

	it("masks credential shapes inside any text, errors included", () => {
		const jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJub2RlX3gifQ.c2lnbmF0dXJl";
		const tenantKey = "ak_3f9a1c2e7b_0123456789abcdefghijABCDEFGHIJ0123456789abc";
		const line = logLine("error", "x", {
			reason: `token ${jwt} and key ${tenantKey}`,
			error: new Error("auth header was Bearer sk-arcnet-test-0123456789 and enr_ABCDEFGHabcdefgh12345678ABCDEFGH"),
		});
		expect(line).not.toContain(jwt);
		expect(line).not.toContain("0123456789abcdefghij");
		expect(line).not.toContain("sk-arcnet-test-0123456789");
		expect(line).not.toContain("enr_ABCDEFGH");
		expect(line).toContain("ak_3f9a1c2e7b_[redacted]");
		expect(line).toContain("[jwt]");
	});

	it("caps long text", () => {
		expect(maskCredentials("x".repeat(MAX_LOG_TEXT * 2)).length).toBe(MAX_LOG_TEXT + 1);
	});
});

describe("errorText", () => {
	it("names the error type and follows causes without repeating them", () => {
		const error = new TypeError("outer", { cause: new Error("inner") });
		expect(errorText(error)).toBe("TypeError: outer: inner");
		expect(errorText("plain")).toBe("plain");
	});
});

describe("log", () => {
	afterEach(() => vi.restoreAllMocks());

	it("sends each level to its console method", () => {
		const spies = {
			log: vi.spyOn(console, "log").mockImplementation(() => undefined),
			warn: vi.spyOn(console, "warn").mockImplementation(() => undefined),
			error: vi.spyOn(console, "error").mockImplementation(() => undefined),
		};
		log("info", "a");
		log("warn", "b");
		log("error", "c", { job: "job_1" });
		expect(spies.log).toHaveBeenCalledWith('{"level":"info","event":"a"}');
		expect(spies.warn).toHaveBeenCalledWith('{"level":"warn","event":"b"}');
		expect(spies.error).toHaveBeenCalledWith('{"level":"error","event":"c","job":"job_1"}');
	});
});
