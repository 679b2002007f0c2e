/**
 * `arcnet-agent rotate-key`: generate a new Ed25519 key pair, register it
 * with a request signed by the CURRENT key that carries a proof signed by
 * the NEW one (so the edge knows the node can use it), and only once the edge has
 * accepted it replace identity.json (temp file + rename, 0600). The order
 * matters: if the edge call fails the old key stays valid and stays on disk;
 * if the process dies between the edge's answer and the rename, the old key
 * is refused and the node must be enrolled again, so the window is one
 * rename. A running agent must be restarted to pick up the new key.
 */
import { createPrivateKey, type JsonWebKey, sign } from "node:crypto";
import { KEY_ROTATION_PROOF_TYP, type KeyRotationProofClaims } from "../../../src/protocol/agent-wire.js";
import type { AgentConfig } from "../config.js";
import { EdgeClient } from "../edge-client.js";
import type { HttpFetch } from "../http-fetch.js";
import { type Ed25519PrivateJwk, generateKeyPair, loadIdentity, saveIdentity } from "../identity.js";
import { createTokenSource } from "../jwt.js";
import type { Logger } from "../logger.js";

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * The proof that this node holds the new key: a compact EdDSA JWS signed with
 * it (the edge checks it with jose, auth/rotation-proof.ts), valid for 60 s.
 */
export function signRotationProof(
	privateJwk: Ed25519PrivateJwk,
	claims: Omit<KeyRotationProofClaims, "iat" | "exp">,
	nowMs = Date.now(),
): string {
	const iat = Math.floor(nowMs / 1000);
	const payload: KeyRotationProofClaims = { ...claims, iat, exp: iat + 60 };
	const signingInput = `${base64url({ alg: "EdDSA", typ: KEY_ROTATION_PROOF_TYP })}.${base64url(payload)}`;
	const key = createPrivateKey({ key: privateJwk as JsonWebKey, format: "jwk" });
	// Ed25519 hashes internally, so node:crypto takes `null` as the digest.
	return `${signingInput}.${sign(null, Buffer.from(signingInput), key).toString("base64url")}`;
}

/** Rotates this node's key; resolves with the process exit code (0). Edge errors propagate to main. */
export async function rotateKeyCommand(config: AgentConfig, logger: Logger, fetchImpl?: HttpFetch): Promise<number> {
	const identity = loadIdentity(config.stateDir);
	const edge = new EdgeClient({
		edgeUrl: config.edgeUrl ?? identity.edgeUrl,
		tokens: createTokenSource(identity),
		...(fetchImpl ? { fetch: fetchImpl } : {}),
	});
	const { publicJwk, privateJwk } = generateKeyPair();
	const proof = signRotationProof(privateJwk, {
		sub: identity.nodeId,
		aud: identity.audience,
		prev: identity.publicJwk.x,
		x: publicJwk.x,
	});
	const answer = await edge.rotateKey({ publicKeyJwk: publicJwk, proof });
	const path = saveIdentity(config.stateDir, {
		...identity,
		publicJwk,
		privateJwk,
		keyRotatedAt: new Date(answer.keyRotatedAt).toISOString(),
	});
	logger.info("key rotated; restart a running agent to use it", { nodeId: identity.nodeId, identity: path });
	return 0;
}
