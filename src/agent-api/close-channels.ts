/**
 * Closes a node's WebSocket channels (ADR 0010) after its key was rotated or
 * it was revoked: a channel is authenticated once, when it opens, so an open
 * one must not outlive the key that opened it. The agent reconnects with a
 * token of its current key (and a revoked node is refused then). A failure
 * is logged, never thrown: the D1 change already took effect, and a channel
 * left open still ends within CHANNEL_MAX_AGE_MS.
 */

import { log } from "../protocol/log-line.js";
import { geozoneStub } from "../routing/geozone-stub.js";

export async function closeNodeChannels(env: Env, zoneId: string, nodeId: string, reason: string): Promise<void> {
	try {
		await geozoneStub(env, zoneId).closeChannels(zoneId, nodeId, reason);
	} catch (error) {
		log("error", "node_channels_close_failed", { node: nodeId, zone: zoneId, reason, error });
	}
}
