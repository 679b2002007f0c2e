/** Reads (and, for key rotation, replaces) the identity of one enrolled node: its zone, status and public key. */
import { and, eq } from "drizzle-orm";
import type { Database } from "./client.js";
import { geozones, nodes } from "./schema.js";

/** What the agent JWT check needs to know about a node. */
export interface NodeKeyRow {
	id: string;
	zoneId: string;
	status: "active" | "revoked";
	publicKeyJwk: string;
	/** The catalogue's locationHint of the node's zone (where its GeozoneDO is first created); null if the zone is gone. */
	zoneLocationHint: string | null;
}

/** The node's key row, or null when no such node was ever enrolled. */
export async function findNodeKey(db: Database, nodeId: string): Promise<NodeKeyRow | null> {
	const row = await db
		.select({
			id: nodes.id,
			zoneId: nodes.zoneId,
			status: nodes.status,
			publicKeyJwk: nodes.publicKeyJwk,
			zoneLocationHint: geozones.locationHint,
		})
		.from(nodes)
		.leftJoin(geozones, eq(geozones.id, nodes.zoneId))
		.where(eq(nodes.id, nodeId))
		.get();
	return row ?? null;
}

/**
 * Replaces an active node's public key and stamps key_rotated_at; resolves
 * false when the node is unknown or revoked (a revoked node cannot rotate
 * its way back in).
 */
export async function replaceNodeKey(db: Database, nodeId: string, publicKeyJwk: string, at: number): Promise<boolean> {
	const updated = await db
		.update(nodes)
		.set({ publicKeyJwk, keyRotatedAt: at })
		.where(and(eq(nodes.id, nodeId), eq(nodes.status, "active")))
		.returning({ id: nodes.id });
	return updated.length === 1;
}

/** When the node last rotated its key (epoch ms), or null if it never did or is unknown. */
export async function nodeKeyRotatedAt(db: Database, nodeId: string): Promise<number | null> {
	const row = await db.select({ at: nodes.keyRotatedAt }).from(nodes).where(eq(nodes.id, nodeId)).get();
	return row?.at ?? null;
}
