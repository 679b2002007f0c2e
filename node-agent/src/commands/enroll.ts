/**
 * `arcnet-agent enroll`: generate the node's Ed25519 key pair, trade the
 * one-time token for a registered identity, and store it. Refuses to replace
 * an existing identity without --force, because that would orphan the node
 * the edge already knows.
 */
import type { AgentConfig } from "../config.js";
import { EdgeClient } from "../edge-client.js";
import type { HttpFetch } from "../http-fetch.js";
import { assertStateDirWritable, generateKeyPair, hasIdentity, identityPath, saveIdentity } from "../identity.js";
import type { Logger } from "../logger.js";
import { AGENT_VERSION } from "../version.js";

/** Enrolls this node; resolves with the process exit code. */
export async function enrollCommand(config: AgentConfig, logger: Logger, fetchImpl?: HttpFetch): Promise<number> {
	if (!config.edgeUrl) {
		logger.error("edgeUrl: required; pass --edge <url> or set ARCNET_EDGE_URL");
		return 64;
	}
	if (!config.token) {
		logger.error("token: required for enroll; pass --token <token> or set ARCNET_ENROLL_TOKEN");
		return 64;
	}
	if (hasIdentity(config.stateDir) && !config.force) {
		logger.error(`already enrolled: ${identityPath(config.stateDir)} exists; pass --force to replace it`);
		return 73;
	}
	// Before the token is spent: an identity that cannot be written would orphan the registered node.
	assertStateDirWritable(config.stateDir);
	const { publicJwk, privateJwk } = generateKeyPair();
	const edge = new EdgeClient({ edgeUrl: config.edgeUrl, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
	const answer = await edge.enroll({
		token: config.token,
		name: config.name,
		publicKeyJwk: publicJwk,
		agentVersion: AGENT_VERSION,
		...(config.gpuModel ? { gpuModel: config.gpuModel } : {}),
	});
	const path = saveIdentity(config.stateDir, {
		nodeId: answer.nodeId,
		zoneId: answer.zoneId,
		audience: answer.audience,
		edgeUrl: config.edgeUrl,
		publicJwk,
		privateJwk,
		enrolledAt: new Date().toISOString(),
	});
	logger.info("enrolled", { nodeId: answer.nodeId, zoneId: answer.zoneId, identity: path });
	return 0;
}
