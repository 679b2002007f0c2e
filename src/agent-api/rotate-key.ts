/**
 * The node's own key: POST /agent/v1/keys/rotate replaces it, GET
 * /agent/v1/whoami says who the edge takes the signer to be (for
 * `arcnet-agent doctor`). Rotation is signed with the CURRENT key (the
 * requireNode middleware has already checked it), so only the holder of the
 * enrolled key can replace it; the body's `proof`, signed with the NEW key,
 * shows the node holds the key it registers (auth/rotation-proof.ts). This
 * isolate forgets the cached key at once;
 * other isolates keep it for at most NODE_KEY_TTL_MS (10 s), the same window
 * a revocation has.
 */
import type { Context } from "hono";
import { forgetNodeKey } from "../auth/node-key-cache.js";
import { verifyRotationProof } from "../auth/rotation-proof.js";
import { database } from "../db/client.js";
import { findNodeKey, nodeKeyRotatedAt, replaceNodeKey } from "../db/node-keys.js";
import type { AppEnv } from "../http/app-env.js";
import { InvalidRequestError, PermissionError } from "../http/errors.js";
import { jsonBody } from "../http/validation.js";
import {
	ed25519PublicJwkSchema,
	type RotateKeyResponse,
	rotateKeyRequestSchema,
	type WhoamiResponse,
} from "../protocol/agent-wire.js";
import { closeNodeChannels } from "./close-channels.js";

/** Rotates the signing node's key; answers RotateKeyResponse (200). */
export async function rotateKeyHandler(c: Context<AppEnv>): Promise<Response> {
	const { nodeId } = c.get("node");
	const body = await jsonBody(c, rotateKeyRequestSchema);
	const db = database(c.env);
	const newKey = JSON.stringify(body.publicKeyJwk);
	const current = await findNodeKey(db, nodeId);
	if (current?.publicKeyJwk === newKey) {
		throw new InvalidRequestError(
			`publicKeyJwk: got the key this node already uses (x=${body.publicKeyJwk.x}); send a newly generated Ed25519 key`,
			"publicKeyJwk",
		);
	}
	if (!current)
		throw new PermissionError(`Node ${nodeId} has been revoked; enroll again with a new token.`, "node_revoked");
	await verifyRotationProof(body.proof, {
		nodeId,
		audience: c.env.AGENT_JWT_AUDIENCE,
		current: ed25519PublicJwkSchema.parse(JSON.parse(current.publicKeyJwk)),
		next: body.publicKeyJwk,
	});
	const at = Date.now();
	const replaced = await replaceNodeKey(db, nodeId, newKey, at);
	// Forget the cached row either way: it is stale after a rotation, and after a race with a revocation.
	forgetNodeKey(nodeId);
	if (!replaced) {
		throw new PermissionError(`Node ${nodeId} has been revoked; enroll again with a new token.`, "node_revoked");
	}
	// The node's open channel was opened with the old key: it reconnects with the new one.
	await closeNodeChannels(c.env, c.get("node").zoneId, nodeId, "node key rotated");
	const response: RotateKeyResponse = { nodeId, keyRotatedAt: at };
	return c.json(response, 200);
}

/** Answers WhoamiResponse for the signing node. */
export async function whoamiHandler(c: Context<AppEnv>): Promise<Response> {
	const { nodeId, zoneId } = c.get("node");
	const response: WhoamiResponse = { nodeId, zoneId, keyRotatedAt: await nodeKeyRotatedAt(database(c.env), nodeId) };
	return c.json(response, 200);
}
