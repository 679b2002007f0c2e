/**
 * GET /agent/v1/channel: upgrades an agent's request to its WebSocket channel
 * (ADR 0010). The JWT is checked here like on every agent call (requireNode);
 * the upgrade then goes to the node's own zone DO, which accepts the socket.
 * The node's identity travels in headers only the Worker can set: a
 * GeozoneDO is not reachable from outside.
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env.js";
import { ApiError } from "../http/errors.js";
import { CHANNEL_NODE_HEADER, CHANNEL_ZONE_HEADER } from "../protocol/agent-channel.js";
import { geozoneStub } from "../routing/geozone-stub.js";

/** Hands the upgrade to the node's zone; 426 when the request is not a WebSocket upgrade. */
export async function channelHandler(c: Context<AppEnv>): Promise<Response> {
	if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
		throw new ApiError(426, "GET /agent/v1/channel must be a WebSocket upgrade (Upgrade: websocket).", {
			type: "invalid_request_error",
			code: "upgrade_required",
			headers: { upgrade: "websocket" },
		});
	}
	const { nodeId, zoneId, locationHint } = c.get("node");
	const headers = new Headers(c.req.raw.headers);
	headers.delete("authorization");
	headers.set(CHANNEL_NODE_HEADER, nodeId);
	headers.set(CHANNEL_ZONE_HEADER, zoneId);
	return geozoneStub(c.env, zoneId, locationHint).fetch(new Request("https://geozone.internal/channel", { headers }));
}
