/**
 * `arcnet-agent rotate-key`: generate a new Ed25519 key pair, register it
 * with a request signed by the CURRENT key, and only once the edge has
 * accepted it replace identity.json (temp file + rename, 0600). The order
 * matters: if the edge call fails the old key stays valid and stays on disk;
 * if the process dies between the edge's answer and the rename, the old key
 * is refused and the node must be enrolled again, so the window is one
 * rename. A running agent must be restarted to pick up the new key.
 */
import type { AgentConfig } from "../config.js";
import { EdgeClient } from "../edge-client.js";
import type { HttpFetch } from "../http-fetch.js";
import { generateKeyPair, loadIdentity, saveIdentity } from "../identity.js";
import { createTokenSource } from "../jwt.js";
import type { Logger } from "../logger.js";

/** Rotates this node's key; resolves with the process exit code (0). Edge errors propagate to main. */
export async function rotateKeyCommand(config: AgentConfig, logger: Logger, fetchImpl?: HttpFetch): Promise<number> {
	const identity = loadIdentity(config.stateDir);
	const edge = new EdgeClient({
		edgeUrl: config.edgeUrl ?? identity.edgeUrl,
		tokens: createTokenSource(identity),
		...(fetchImpl ? { fetch: fetchImpl } : {}),
	});
	const { publicJwk, privateJwk } = generateKeyPair();
	const answer = await edge.rotateKey({ publicKeyJwk: publicJwk });
	const path = saveIdentity(config.stateDir, {
		...identity,
		publicJwk,
		privateJwk,
		keyRotatedAt: new Date(answer.keyRotatedAt).toISOString(),
	});
	logger.info("key rotated; restart a running agent to use it", { nodeId: identity.nodeId, identity: path });
	return 0;
}
