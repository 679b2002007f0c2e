/**
 * The console's sign-in, sign-out and the middleware that guards its data:
 * a valid session cookie on every request, and on every change (any method
 * but GET and HEAD) the CSRF token in a header and a same-origin Origin.
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import * as z from "zod";
import { timingSafeEqualStrings } from "../auth/crypto.js";
import { noteRefusedKey } from "../auth/refused-key-events.js";
import type { AppEnv } from "../http/app-env.js";
import { AuthenticationError, PermissionError } from "../http/errors.js";
import { jsonBody } from "../http/validation.js";
import {
	type ConsoleSession,
	CSRF_HEADER,
	issueSession,
	readSession,
	SESSION_COOKIE,
	SESSION_TTL_S,
} from "./session.js";

const COOKIE_PATH = "/console";
const signInSchema = z.strictObject({ adminKey: z.string().min(1).max(512) });

async function sessionOf(c: Context<AppEnv>): Promise<ConsoleSession | null> {
	const jwt = getCookie(c, SESSION_COOKIE);
	if (!jwt || !c.env.ARCNET_ADMIN_KEY) return null;
	return readSession(c.env.ARCNET_ADMIN_KEY, jwt, Date.now());
}

/** POST /console/api/session: the admin key for a session cookie; answers the CSRF token, never the key. */
export async function signInHandler(c: Context<AppEnv>): Promise<Response> {
	const { adminKey } = await jsonBody(c, signInSchema);
	const expected = c.env.ARCNET_ADMIN_KEY;
	if (!expected || !timingSafeEqualStrings(adminKey, expected)) {
		const write = noteRefusedKey(c.env, adminKey, "console");
		if (write) c.executionCtx.waitUntil(write);
		throw new AuthenticationError("Incorrect admin key provided: sign in with ARCNET_ADMIN_KEY.");
	}
	const { jwt, session } = await issueSession(expected, Date.now());
	setCookie(c, SESSION_COOKIE, jwt, {
		path: COOKIE_PATH,
		httpOnly: true,
		secure: true,
		sameSite: "Strict",
		maxAge: SESSION_TTL_S,
	});
	return c.json({ csrfToken: session.csrf, expiresAt: session.expiresAt });
}

/** GET /console/api/session: whether the cookie holds a session, and its CSRF token (same-origin reads only). */
export async function sessionHandler(c: Context<AppEnv>): Promise<Response> {
	const session = await sessionOf(c);
	if (!session) throw new AuthenticationError("No console session: sign in with the admin key.", "no_session");
	return c.json({ csrfToken: session.csrf, expiresAt: session.expiresAt });
}

/** DELETE /console/api/session: forgets the cookie. */
export function signOutHandler(c: Context<AppEnv>): Response {
	deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH, secure: true, httpOnly: true, sameSite: "Strict" });
	return c.body(null, 204);
}

function sameOrigin(c: Context<AppEnv>): boolean {
	const origin = c.req.header("origin");
	// Browsers send Origin on every cross-site and every non-GET fetch; a missing one is a non-browser client.
	return origin === undefined || origin === new URL(c.req.url).origin;
}

/** Requires a session; on a change also the CSRF header equal to the session's token and a same-origin Origin. */
export const requireConsoleSession: MiddlewareHandler<AppEnv> = async (c, next) => {
	const session = await sessionOf(c);
	if (!session) throw new AuthenticationError("No console session: sign in with the admin key.", "no_session");
	if (c.req.method !== "GET" && c.req.method !== "HEAD") {
		const token = c.req.header(CSRF_HEADER);
		if (token === undefined || !timingSafeEqualStrings(token, session.csrf)) {
			throw new PermissionError(
				`Missing or wrong CSRF token: send the session's token in the ${CSRF_HEADER} header (received ${token === undefined ? "none" : "a different one"}).`,
				"csrf_failed",
			);
		}
		if (!sameOrigin(c)) {
			throw new PermissionError(
				`Cross-origin change refused: Origin ${JSON.stringify(c.req.header("origin"))} is not this console's.`,
				"csrf_failed",
			);
		}
	}
	await next();
};
