/** Input caps (docs/security.md, "Input limits"): 413 for bodies, 400 for fields and headers, each naming the limit. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_KEY, call, chatBody, DEV_KEY, errorOf } from "./edge-fixtures.js";

function chunked(bytes: number): ReadableStream<Uint8Array> {
	let sent = 0;
	return new ReadableStream({
		pull(controller) {
			if (sent >= bytes) return controller.close();
			const chunk = new Uint8Array(Math.min(65_536, bytes - sent)).fill(0x20);
			sent += chunk.byteLength;
			controller.enqueue(chunk);
		},
	});
}

describe("input limits", () => {
	it("refuses a declared Content-Length over 1 MiB on the client API with 413 before reading it", async () => {
		const res = await exports.default.fetch("http://edge/v1/chat/completions", {
			method: "POST",
			headers: { authorization: `Bearer ${DEV_KEY}`, "content-length": "2000000", "content-type": "application/json" },
			body: chunked(2_000_000),
		});
		expect(res.status).toBe(413);
		const error = await errorOf(res);
		expect(error.code).toBe("body_too_large");
		expect(error.message).toMatch(/1048576 bytes/);
	});

	it("stops reading a chunked body at the cap and answers 413", async () => {
		const res = await exports.default.fetch("http://edge/admin/v1/zones", {
			method: "POST",
			headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
			body: chunked(200_000),
		});
		expect(res.status).toBe(413);
		expect((await errorOf(res)).message).toMatch(/65536 bytes/);
	});

	it("refuses more than 256 messages with 400 naming the field and the cap", async () => {
		const messages = Array.from({ length: 257 }, () => ({ role: "user", content: "x" }));
		const res = await call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: chatBody({ messages }) });
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.param).toBe("messages");
		expect(error.message).toMatch(/at most 256 items/);
	});

	it("refuses a message longer than 262144 characters with 400", async () => {
		const messages = [{ role: "user", content: "y".repeat(262_145) }];
		const res = await call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: chatBody({ messages }) });
		expect(res.status).toBe(400);
		expect((await errorOf(res)).message).toMatch(/messages\[0\]\.content/);
	});

	it("refuses max_tokens over the ceiling with 400 stating the allowed range", async () => {
		const res = await call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			body: chatBody({ max_tokens: 1_000_000 }),
		});
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.param).toBe("max_tokens");
		expect(error.message).toMatch(/32768/);
	});

	it("refuses an Authorization header over 4 KiB with 400 header_too_large", async () => {
		const res = await call("GET", "/v1/models", { bearer: "k".repeat(5000) });
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error).toMatchObject({ code: "header_too_large", param: "authorization" });
		expect(error.message).toMatch(/at most 4096 characters, got 5007/);
	});

	it("refuses an x-arcnet-* header over 1 KiB and an Idempotency-Key over 255 characters", async () => {
		for (const [name, value] of [
			["x-arcnet-policy", "p".repeat(1025)],
			["idempotency-key", "i".repeat(256)],
		] as const) {
			const res = await exports.default.fetch("http://edge/v1/models", {
				headers: { authorization: `Bearer ${DEV_KEY}`, [name]: value },
			});
			expect(res.status).toBe(400);
			expect((await errorOf(res)).param).toBe(name);
		}
	});
});
