/**
 * Proof of possession for a key rotation: the rotation request (signed with
 * the node's current key) carries a JWS signed with the NEW key, naming the
 * node, the edge's audience, the key it replaces and the new key itself. A
 * string that is not an Ed25519 public key, or a key whose private half the
 * node does not hold, cannot produce one, so a node cannot lock itself out.
 */
import { decodeProtectedHeader, importJWK, jwtVerify } from "jose";
import { InvalidRequestError } from "../http/errors.js";
import {
	AGENT_JWT_CLOCK_TOLERANCE_S,
	AGENT_JWT_MAX_AGE_S,
	type Ed25519PublicJwk,
	KEY_ROTATION_PROOF_TYP,
} from "../protocol/agent-wire.js";

/** What the proof must match. */
export interface RotationProofExpectation {
	nodeId: string;
	audience: string;
	/** The node's key now (the one being replaced). */
	current: Ed25519PublicJwk;
	/** The key the request registers. */
	next: Ed25519PublicJwk;
}

function refuse(reason: string): never {
	throw new InvalidRequestError(
		`proof: expected a JWS signed with the new key (typ "${KEY_ROTATION_PROOF_TYP}", sub = node id, aud, prev = the current key's x, x = the new key's x, iat within ${AGENT_JWT_MAX_AGE_S} s); ${reason}.`,
		"proof",
		"invalid_key_proof",
	);
}

/** Throws a 400 naming `proof` unless it was signed by `next` for this node, edge and current key. */
export async function verifyRotationProof(proof: string, expected: RotationProofExpectation): Promise<void> {
	let typ: string | undefined;
	try {
		({ typ } = decodeProtectedHeader(proof));
	} catch {
		refuse("got something that is not a JWS");
	}
	if (typ !== KEY_ROTATION_PROOF_TYP) refuse(`got typ ${JSON.stringify(typ ?? null)}`);
	let payload: Record<string, unknown>;
	try {
		const key = await importJWK(expected.next, "EdDSA");
		({ payload } = await jwtVerify(proof, key, {
			algorithms: ["EdDSA"],
			typ: KEY_ROTATION_PROOF_TYP,
			audience: expected.audience,
			subject: expected.nodeId,
			maxTokenAge: AGENT_JWT_MAX_AGE_S,
			clockTolerance: AGENT_JWT_CLOCK_TOLERANCE_S,
			requiredClaims: ["iat", "exp"],
		}));
	} catch (err) {
		refuse(`its check failed: ${err instanceof Error ? err.message : "verification failed"}`);
	}
	if (Array.isArray(payload.aud)) refuse("got an aud array");
	if (payload.prev !== expected.current.x) refuse("prev is not the key being replaced");
	if (payload.x !== expected.next.x) refuse("x is not the new key");
}
