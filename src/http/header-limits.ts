/**
 * Request header caps, checked before authentication: a credential or a
 * routing header far longer than any legitimate one is refused with 400
 * naming the header, its length and the cap, before anything parses it.
 * Cloudflare's edge itself refuses requests whose headers exceed 128 KB in
 * total; the total cap here is tighter and also holds under local workerd.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.js";
import { InvalidRequestError } from "./errors.js";

/** `Authorization`: 4 KiB (an agent JWT is about 400 bytes, an API key under 100). */
export const MAX_AUTHORIZATION_BYTES = 4096;
/** `Idempotency-Key`: 255 characters. */
export const MAX_IDEMPOTENCY_KEY_CHARS = 255;
/** Each `x-arcnet-*` header: 1 KiB. */
export const MAX_ARCNET_HEADER_BYTES = 1024;
/** All header names and values together: 32 KiB. */
export const MAX_TOTAL_HEADER_BYTES = 32_768;

function refuse(header: string, length: number, allowed: number): never {
	throw new InvalidRequestError(
		`${header}: expected at most ${allowed} characters, got ${length}.`,
		header,
		"header_too_large",
	);
}

/** Refuses oversized headers with 400 header_too_large. */
export const headerLimits: MiddlewareHandler<AppEnv> = async (c, next) => {
	let total = 0;
	for (const [name, value] of c.req.raw.headers) {
		total += name.length + value.length + 4;
		if (name === "authorization" && value.length > MAX_AUTHORIZATION_BYTES)
			refuse(name, value.length, MAX_AUTHORIZATION_BYTES);
		if (name === "idempotency-key" && value.length > MAX_IDEMPOTENCY_KEY_CHARS)
			refuse(name, value.length, MAX_IDEMPOTENCY_KEY_CHARS);
		if (name.startsWith("x-arcnet-") && value.length > MAX_ARCNET_HEADER_BYTES)
			refuse(name, value.length, MAX_ARCNET_HEADER_BYTES);
	}
	if (total > MAX_TOTAL_HEADER_BYTES) refuse("headers", total, MAX_TOTAL_HEADER_BYTES);
	await next();
};
