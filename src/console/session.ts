/**
 * Console sessions. The admin key is exchanged once for a short-lived session
 * cookie: an HS256 JWT signed with a key derived from ARCNET_ADMIN_KEY, so
 * rotating the admin key ends every session. The JWT carries the CSRF token
 * that every change must echo in a header (docs/security.md, "Console").
 */
import { jwtVerify, SignJWT } from "jose";

/** The session cookie's name; scoped to /console so no other route ever sees it. */
export const SESSION_COOKIE = "arcnet_console";
/** Header that carries the CSRF token on every change. */
export const CSRF_HEADER = "x-arcnet-csrf";
/** A session lasts 30 minutes; sign in again after. */
export const SESSION_TTL_S = 30 * 60;
const AUDIENCE = "arcnet-console";

/** What a valid session holds. */
export interface ConsoleSession {
	csrf: string;
	expiresAt: number;
}

async function signingKey(adminKey: string): Promise<Uint8Array> {
	const data = new TextEncoder().encode(`arcnet-console-session\u0000${adminKey}`);
	return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

function randomToken(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(24));
	return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, (ch) => (ch === "+" ? "-" : ch === "/" ? "_" : ""));
}

/** Issues a new session: the JWT for the cookie and the CSRF token for the page. */
export async function issueSession(adminKey: string, nowMs: number): Promise<{ jwt: string; session: ConsoleSession }> {
	const csrf = randomToken();
	const iat = Math.floor(nowMs / 1000);
	const jwt = await new SignJWT({ csrf })
		.setProtectedHeader({ alg: "HS256" })
		.setAudience(AUDIENCE)
		.setSubject("admin")
		.setIssuedAt(iat)
		.setExpirationTime(iat + SESSION_TTL_S)
		.sign(await signingKey(adminKey));
	return { jwt, session: { csrf, expiresAt: (iat + SESSION_TTL_S) * 1000 } };
}

/** The session a cookie value proves, or null when it is missing, forged, expired or from an older admin key. */
export async function readSession(adminKey: string, jwt: string, nowMs: number): Promise<ConsoleSession | null> {
	try {
		const { payload } = await jwtVerify(jwt, await signingKey(adminKey), {
			audience: AUDIENCE,
			subject: "admin",
			algorithms: ["HS256"],
			currentDate: new Date(nowMs),
		});
		if (typeof payload.csrf !== "string" || typeof payload.exp !== "number") return null;
		return { csrf: payload.csrf, expiresAt: payload.exp * 1000 };
	} catch {
		return null;
	}
}
