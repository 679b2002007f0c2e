/**
 * The early SSE body on its own: keep-alive comments while the job has no
 * output, then the job's body; a cancellation (the client's connection gone)
 * reports the client left once; a failure before the body is an error event.
 */
import { describe, expect, it } from "vitest";
import { NoCapacityError } from "../../src/http/errors.js";
import { earlySse, sseKeepAliveMs } from "../../src/openai/early-sse.js";

const encoder = new TextEncoder();

function later<T>(ms: number, value: T): Promise<T> {
	return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

function bodyOf(text: string): ReadableStream<Uint8Array> {
	return new ReadableStream({
		start(controller) {
			controller.enqueue(encoder.encode(text));
			controller.close();
		},
	});
}

describe("the early SSE body", () => {
	it("writes keep-alive comments until the job's body is ready, then the body", async () => {
		const sse = earlySse(later(120, bodyOf("data: [DONE]\n\n")), { keepAliveMs: 20, onLeft: () => undefined });
		const text = await new Response(sse).text();
		expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
		const comments = text.slice(0, -"data: [DONE]\n\n".length).split("\n\n").filter(Boolean);
		expect(comments.length).toBeGreaterThan(1);
		expect(new Set(comments)).toEqual(new Set([": keep-alive"]));
	});

	it("reports a client that left once, and cancels the body that came after", async () => {
		let left = 0;
		let bodyCancelled = false;
		const late = new ReadableStream<Uint8Array>({
			cancel() {
				bodyCancelled = true;
			},
		});
		const sse = earlySse(later(60, late), { keepAliveMs: 10, onLeft: () => left++ });
		const reader = sse.getReader();
		expect(new TextDecoder().decode((await reader.read()).value)).toBe(": keep-alive\n\n");
		await reader.cancel("client gone");
		await reader.cancel("again");
		await later(100, undefined);
		expect(left).toBe(1);
		expect(bodyCancelled).toBe(true);
	});

	it("turns a failure before the body into an OpenAI error event", async () => {
		const failed = Promise.reject(new NoCapacityError("No capacity for model m.", 5));
		const text = await new Response(earlySse(failed, { keepAliveMs: 1_000, onLeft: () => undefined })).text();
		expect(text).toBe(
			`data: ${JSON.stringify({ error: { message: "No capacity for model m.", type: "service_unavailable", param: null, code: "no_capacity" } })}\n\n`,
		);
	});

	it("reads SSE_KEEPALIVE_MS, defaulting to 5 s and refusing a value out of range by name", () => {
		expect(sseKeepAliveMs({})).toBe(5_000);
		expect(sseKeepAliveMs({ SSE_KEEPALIVE_MS: "250" })).toBe(250);
		expect(() => sseKeepAliveMs({ SSE_KEEPALIVE_MS: "5s" })).toThrow(
			/SSE_KEEPALIVE_MS: expected an integer from 100 to 60000, got "5s"/,
		);
	});
});
