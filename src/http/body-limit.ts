/**
 * Request body caps, applied to every route before any handler reads a byte:
 * a declared Content-Length over the cap is refused at once, and a body
 * without one (chunked) is read up to the cap and no further, so a client can
 * never make the isolate buffer more than the cap. Over the cap: 413.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.js";
import { ApiError } from "./errors.js";

/** Client API (/v1/*) and anything not listed below: 1 MiB. */
export const CLIENT_BODY_LIMIT_BYTES = 1_048_576;
/** Agent event posts (/agent/v1/jobs/:id/events): 2 MiB, room for the agent's merged 256k-character deltas. */
export const AGENT_EVENTS_BODY_LIMIT_BYTES = 2_097_152;
/** Other agent calls (enroll, poll, release, telemetry, keys/rotate): 256 KiB. */
export const AGENT_BODY_LIMIT_BYTES = 262_144;
/** Batch input files (POST /v1/files): 32 MiB (OpenAI allows 200 MB; a Worker buffers the upload). */
export const FILES_BODY_LIMIT_BYTES = 33_554_432;
/** Admin API (/admin/v1/*): 64 KiB. */
export const ADMIN_BODY_LIMIT_BYTES = 65_536;

/** The body cap of a request path, in bytes. */
export function bodyLimitFor(pathname: string): number {
	if (pathname.startsWith("/agent/")) {
		return /^\/agent\/v1\/jobs\/[^/]+\/events$/.test(pathname) ? AGENT_EVENTS_BODY_LIMIT_BYTES : AGENT_BODY_LIMIT_BYTES;
	}
	if (pathname.startsWith("/admin/")) return ADMIN_BODY_LIMIT_BYTES;
	if (pathname === "/v1/files") return FILES_BODY_LIMIT_BYTES;
	return CLIENT_BODY_LIMIT_BYTES;
}

function tooLarge(limit: number, received: string): never {
	throw new ApiError(413, `The request body is too large: got ${received}, at most ${limit} bytes are allowed here.`, {
		type: "invalid_request_error",
		code: "body_too_large",
	});
}

/** Refuses bodies over `bodyLimitFor(path)` with 413; chunked bodies are buffered up to the cap only. */
export const bodyLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
	const raw = c.req.raw;
	if (!raw.body) return next();
	const limit = bodyLimitFor(new URL(raw.url).pathname);
	const declared = raw.headers.get("content-length");
	if (declared !== null && /^\d{1,15}$/.test(declared) && !raw.headers.has("transfer-encoding")) {
		if (Number(declared) > limit) tooLarge(limit, `${declared} bytes (Content-Length)`);
		return next();
	}
	const reader = raw.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > limit) {
			await reader.cancel().catch(() => undefined);
			tooLarge(limit, `more than ${limit} bytes`);
		}
		chunks.push(value);
	}
	const body = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		body.set(chunk, offset);
		offset += chunk.byteLength;
	}
	// request.cf (client location for routing) is carried over explicitly.
	c.req.raw = new Request(raw, { body, ...(raw.cf ? { cf: raw.cf } : {}) });
	return next();
};
