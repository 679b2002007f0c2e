/** Reads the identity of one enrolled node: its zone, status and public key. */
import { eq } from "drizzle-orm";
import type { Database } from "./client.js";
import { nodes } from "./schema.js";

/** What the agent JWT check needs to know about a node. */
export interface NodeKeyRow {
	id: string;
	zoneId: string;
	status: "active" | "revoked";
	publicKeyJwk: string;
}

/** The node's key row, or null when no such node was ever enrolled. */
export async function findNodeKey(db: Database, nodeId: string): Promise<NodeKeyRow | null> {
	const row = await db
		.select({ id: nodes.id, zoneId: nodes.zoneId, status: nodes.status, publicKeyJwk: nodes.publicKeyJwk })
		.from(nodes)
		.where(eq(nodes.id, nodeId))
		.get();
	return row ?? null;
}
