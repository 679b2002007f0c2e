/** Node listing and revocation for the admin API. Never returns keys. */
import { asc, eq } from "drizzle-orm";
import type { Database } from "./client.js";
import { nodes } from "./schema.js";

/** A node as the admin API shows it. */
export interface NodeListing {
	id: string;
	name: string;
	zoneId: string;
	status: "active" | "revoked";
	agentVersion: string;
	gpuModel: string | null;
	enrolledAt: number;
	revokedAt: number | null;
}

/** Every enrolled node, oldest first. */
export async function listNodes(db: Database): Promise<NodeListing[]> {
	return db
		.select({
			id: nodes.id,
			name: nodes.name,
			zoneId: nodes.zoneId,
			status: nodes.status,
			agentVersion: nodes.agentVersion,
			gpuModel: nodes.gpuModel,
			enrolledAt: nodes.enrolledAt,
			revokedAt: nodes.revokedAt,
		})
		.from(nodes)
		.orderBy(asc(nodes.enrolledAt), asc(nodes.id))
		.all();
}

/** Marks a node revoked (idempotent); returns false when the node does not exist. */
export async function revokeNode(db: Database, nodeId: string, now: number): Promise<boolean> {
	const existing = await db.select({ status: nodes.status }).from(nodes).where(eq(nodes.id, nodeId)).get();
	if (!existing) return false;
	if (existing.status !== "revoked") {
		await db.update(nodes).set({ status: "revoked", revokedAt: now }).where(eq(nodes.id, nodeId)).run();
	}
	return true;
}
