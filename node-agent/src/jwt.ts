/**
 * Signs the short-lived EdDSA JWTs that authenticate every agent request
 * (ADR 0003). A token lives 60 s and is reused until 15 s before it expires,
 * so the agent signs about one token a minute instead of one per request.
 */
import { randomUUID } from "node:crypto";
import { importJWK, SignJWT } from "jose";
import type { Identity } from "./identity.js";

/** Token lifetime in seconds; the edge refuses tokens older than AGENT_JWT_MAX_AGE_S (120). */
export const TOKEN_TTL_S = 60;
/** A cached token is replaced this many seconds before it expires. */
export const TOKEN_REFRESH_MARGIN_S = 15;

export interface TokenSource {
	/** A valid bearer token for the next request. */
	token(): Promise<string>;
}

/** Creates a token source for `identity`; `now` (epoch ms) is injectable for tests. */
export function createTokenSource(identity: Identity, now: () => number = Date.now): TokenSource {
	let keyPromise: ReturnType<typeof importJWK> | undefined;
	let cached: { token: string; exp: number } | undefined;
	return {
		async token() {
			const nowS = Math.floor(now() / 1000);
			if (cached && cached.exp - TOKEN_REFRESH_MARGIN_S > nowS) return cached.token;
			keyPromise ??= importJWK(identity.privateJwk, "EdDSA");
			const key = await keyPromise;
			const exp = nowS + TOKEN_TTL_S;
			const token = await new SignJWT({})
				.setProtectedHeader({ alg: "EdDSA", kid: identity.nodeId, typ: "JWT" })
				.setSubject(identity.nodeId)
				.setAudience(identity.audience)
				.setIssuedAt(nowS)
				.setExpirationTime(exp)
				.setJti(randomUUID())
				.sign(key);
			cached = { token, exp };
			return token;
		},
	};
}
