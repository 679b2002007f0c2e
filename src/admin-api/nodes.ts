/** GET /admin/v1/nodes and POST /admin/v1/nodes/:id/revoke. Keys never leave D1 through here. */
import type { Context } from "hono";
import { closeNodeChannels } from "../agent-api/close-channels.js";
import { forgetNodeKey } from "../auth/node-key-cache.js";
import { listNodes, revokeNode } from "../db/admin-nodes.js";
import { database } from "../db/client.js";
import { findNodeKey } from "../db/node-keys.js";
import type { AppEnv } from "../http/app-env.js";
import { NotFoundError } from "../http/errors.js";
import { validate } from "../http/validation.js";
import { nodeIdSchema } from "../protocol/agent-wire.js";

/** Lists enrolled nodes: id, name, zone, status, agent version, GPU, enrolledAt, revokedAt. */
export async function listNodesHandler(c: Context<AppEnv>): Promise<Response> {
	const rows = await listNodes(database(c.env));
	return c.json({ data: rows.map(({ zoneId, ...rest }) => ({ ...rest, zone: zoneId })) });
}

/** Revokes a node: its JWTs are refused (403) within seconds everywhere, at once in this isolate; its channels close now. */
export async function revokeNodeHandler(c: Context<AppEnv>): Promise<Response> {
	const nodeId = validate(nodeIdSchema, c.req.param("id"), "id");
	const db = database(c.env);
	if (!(await revokeNode(db, nodeId, Date.now()))) {
		throw new NotFoundError(`No node with id ${JSON.stringify(nodeId)}.`, "node_not_found");
	}
	forgetNodeKey(nodeId);
	const row = await findNodeKey(db, nodeId);
	if (row) await closeNodeChannels(c.env, row.zoneId, nodeId, "node revoked");
	return c.json({ id: nodeId, status: "revoked" });
}
