/**
 * POST /agent/v1/enroll: trades a one-time enrollment token for a node
 * identity bound to the node's Ed25519 public key (design decision 5). A
 * token that is unknown, used or expired, or whose zone was disabled after it
 * was minted, is refused with 401 and changes nothing.
 */
import type { Context } from "hono";
import { randomId, sha256Hex } from "../auth/crypto.js";
import { database } from "../db/client.js";
import { redeemEnrollmentToken } from "../db/enrollment-tokens.js";
import { recordEvent } from "../db/events.js";
import type { AppEnv } from "../http/app-env.js";
import { AuthenticationError } from "../http/errors.js";
import { jsonBody } from "../http/validation.js";
import { type EnrollResponse, enrollRequestSchema } from "../protocol/agent-wire.js";

/** Enrolls a node; answers EnrollResponse. */
export async function enrollHandler(c: Context<AppEnv>): Promise<Response> {
	const body = await jsonBody(c, enrollRequestSchema);
	const nodeId = randomId("node_");
	const redeemed = await redeemEnrollmentToken(
		database(c.env),
		await sha256Hex(body.token),
		{
			id: nodeId,
			name: body.name,
			publicKeyJwk: JSON.stringify(body.publicKeyJwk),
			agentVersion: body.agentVersion,
			gpuModel: body.gpuModel ?? null,
		},
		Date.now(),
	);
	if (!redeemed) {
		throw new AuthenticationError(
			"Enrollment token refused: it is unknown, already used or expired, or its zone is disabled. Ask an operator for a new one.",
			"invalid_enrollment_token",
		);
	}
	c.executionCtx.waitUntil(
		recordEvent(c.env, {
			kind: "node_joined",
			zoneId: redeemed.zoneId,
			nodeId,
			message: `node ${body.name} (${nodeId}) enrolled in ${redeemed.zoneId}, agent ${body.agentVersion}`,
		}),
	);
	const response: EnrollResponse = { nodeId, zoneId: redeemed.zoneId, audience: c.env.AGENT_JWT_AUDIENCE };
	return c.json(response, 201);
}
