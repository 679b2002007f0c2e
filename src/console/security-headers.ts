/**
 * Response headers of every console page and API answer: a strict
 * Content-Security-Policy (own scripts and styles only, no inline code, no
 * remote origin), no framing, no sniffing, no referrer, no caching of data.
 */

/** The console's Content-Security-Policy. */
export const CONSOLE_CSP = [
	"default-src 'none'",
	"script-src 'self'",
	"style-src 'self'",
	"img-src 'self' data:",
	"connect-src 'self'",
	"base-uri 'none'",
	"form-action 'self'",
	"frame-ancestors 'none'",
].join("; ");

/** Sets the console's security headers on a response (a copy, since fetched ones are immutable). */
export function withSecurityHeaders(response: Response, cache: "no-store" | "revalidate"): Response {
	const out = new Response(response.body, response);
	out.headers.set("content-security-policy", CONSOLE_CSP);
	out.headers.set("x-content-type-options", "nosniff");
	out.headers.set("x-frame-options", "DENY");
	out.headers.set("referrer-policy", "no-referrer");
	out.headers.set("cross-origin-opener-policy", "same-origin");
	out.headers.set("cache-control", cache === "no-store" ? "no-store" : "no-cache");
	return out;
}
