/**
 * Per-isolate memory of agent JWTs already verified, so the hot path (every
 * poll and event post) does not import the key and check an Ed25519
 * signature again for a token the agent reuses for most of a minute. A hit
 * is only honoured for the same node key (a rotation invalidates it), and the
 * time claims are checked again on every use, exactly as jose would.
 */
import { AGENT_JWT_CLOCK_TOLERANCE_S, AGENT_JWT_MAX_AGE_S } from "../protocol/agent-wire.js";

interface VerifiedToken {
	nodeId: string;
	/** The public JWK (as stored) the signature was checked against. */
	publicKeyJwk: string;
	iat: number;
	exp: number;
}

/** Most tokens remembered; the map is cleared when full (tokens expire within two minutes anyway). */
const MAX_ENTRIES = 10_000;
const verified = new Map<string, VerifiedToken>();

/** True when the token is still within its lifetime at `nowS` (seconds), with the same tolerance jose applies. */
function stillValid(token: VerifiedToken, nowS: number): boolean {
	return (
		nowS - AGENT_JWT_CLOCK_TOLERANCE_S < token.exp &&
		nowS - AGENT_JWT_CLOCK_TOLERANCE_S <= token.iat + AGENT_JWT_MAX_AGE_S
	);
}

/** The node id of a token verified earlier against this same key and still valid now, else null. */
export function recallVerifiedToken(jwt: string, publicKeyJwk: string, nowMs = Date.now()): string | null {
	const hit = verified.get(jwt);
	if (!hit) return null;
	if (hit.publicKeyJwk !== publicKeyJwk || !stillValid(hit, nowMs / 1000)) {
		verified.delete(jwt);
		return null;
	}
	return hit.nodeId;
}

/** Remembers a token whose signature and claims were just verified. */
export function rememberVerifiedToken(jwt: string, token: VerifiedToken): void {
	if (verified.size >= MAX_ENTRIES) verified.clear();
	verified.set(jwt, token);
}
