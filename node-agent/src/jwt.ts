/**
 * Signs the short-lived EdDSA JWTs that authenticate every agent request
 * (ADR 0003). A token lives 60 s and is reused until 15 s before it expires,
 * so the agent signs about one token a minute instead of one per request.
 *
 * The JWS is built with node:crypto rather than jose: a compact EdDSA JWS is
 * three base64url parts and one Ed25519 signature, and leaving jose out of the
 * bundle saves the idle agent about 10 MB of resident memory (against its
 * 60 MB target). The edge verifies these tokens with jose (tests do too).
 */
import { createPrivateKey, type JsonWebKey, type KeyObject, randomUUID, sign } from "node:crypto";
import type { Identity } from "./identity.js";

/** Token lifetime in seconds; the edge refuses tokens older than AGENT_JWT_MAX_AGE_S (120). */
export const TOKEN_TTL_S = 60;
/** A cached token is replaced this many seconds before it expires. */
export const TOKEN_REFRESH_MARGIN_S = 15;

export interface TokenSource {
	/** A valid bearer token for the next request. */
	token(): Promise<string>;
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Signs one compact EdDSA JWS over the given claims. */
export function signEdDsaJwt(key: KeyObject, header: { kid: string }, claims: Record<string, unknown>): string {
	const signingInput = `${base64url({ alg: "EdDSA", kid: header.kid, typ: "JWT" })}.${base64url(claims)}`;
	// Ed25519 hashes internally, so node:crypto takes `null` as the digest.
	const signature = sign(null, Buffer.from(signingInput), key).toString("base64url");
	return `${signingInput}.${signature}`;
}

/** Creates a token source for `identity`; `now` (epoch ms) is injectable for tests. */
export function createTokenSource(identity: Identity, now: () => number = Date.now): TokenSource {
	let key: KeyObject | undefined;
	let cached: { token: string; exp: number } | undefined;
	return {
		async token() {
			const nowS = Math.floor(now() / 1000);
			if (cached && cached.exp - TOKEN_REFRESH_MARGIN_S > nowS) return cached.token;
			key ??= createPrivateKey({ key: identity.privateJwk as JsonWebKey, format: "jwk" });
			const exp = nowS + TOKEN_TTL_S;
			const token = signEdDsaJwt(
				key,
				{ kid: identity.nodeId },
				{ iss: identity.nodeId, sub: identity.nodeId, aud: identity.audience, iat: nowS, exp, jti: randomUUID() },
			);
			cached = { token, exp };
			return token;
		},
	};
}
