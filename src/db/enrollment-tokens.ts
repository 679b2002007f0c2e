/**
 * Enrollment tokens: minted by the admin API, redeemed once by an agent.
 * Only SHA-256 hashes of tokens are stored. Redemption claims the token and
 * creates the node in one D1 batch (a transaction), so a token can never
 * enroll two nodes and a refused token changes nothing. A token whose zone
 * was disabled after minting is refused.
 */
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Database } from "./client.js";
import { enrollmentTokens, geozones, nodes } from "./schema.js";

/** Stores a new token's hash. */
export async function insertEnrollmentToken(
	db: Database,
	row: { id: string; tokenHash: string; zoneId: string; createdAt: number; expiresAt: number; note: string | null },
): Promise<void> {
	await db.insert(enrollmentTokens).values(row).run();
}

/** The node an enrollment creates. */
export interface NewNode {
	id: string;
	name: string;
	publicKeyJwk: string;
	agentVersion: string;
	gpuModel: string | null;
}

/**
 * Redeems the token with hash `tokenHash` for `node`: returns the node's zone,
 * or null when the token is unknown, used or expired, or its zone is disabled
 * (and then nothing changed).
 */
export async function redeemEnrollmentToken(
	db: Database,
	tokenHash: string,
	node: NewNode,
	now: number,
): Promise<{ zoneId: string } | null> {
	// drizzle's insert-select needs every column of `nodes`, in table order.
	// The UPDATE claims the token only if it is unused and unexpired; the INSERT
	// then copies the zone from the row this node claimed, so it inserts nothing
	// when the claim failed. Both run in one transaction.
	const claim = db
		.update(enrollmentTokens)
		.set({ usedAt: now, nodeId: node.id })
		.where(
			and(
				eq(enrollmentTokens.tokenHash, tokenHash),
				isNull(enrollmentTokens.usedAt),
				gt(enrollmentTokens.expiresAt, now),
				// A zone disabled after the token was minted takes no new nodes: the token stays unused.
				sql`exists (select 1 from ${geozones} where ${geozones.id} = ${enrollmentTokens.zoneId} and ${geozones.enabled} = 1)`,
			),
		)
		.returning({ zoneId: enrollmentTokens.zoneId });
	const create = db.insert(nodes).select(
		db
			.select({
				id: sql<string>`${node.id}`.as("id"),
				zoneId: enrollmentTokens.zoneId,
				name: sql<string>`${node.name}`.as("name"),
				publicKeyJwk: sql<string>`${node.publicKeyJwk}`.as("public_key_jwk"),
				status: sql<"active">`'active'`.as("status"),
				agentVersion: sql<string>`${node.agentVersion}`.as("agent_version"),
				gpuModel: sql<string | null>`${node.gpuModel}`.as("gpu_model"),
				enrolledAt: sql<number>`${now}`.as("enrolled_at"),
				keyRotatedAt: sql<number | null>`NULL`.as("key_rotated_at"),
				revokedAt: sql<number | null>`NULL`.as("revoked_at"),
			})
			.from(enrollmentTokens)
			.where(and(eq(enrollmentTokens.tokenHash, tokenHash), eq(enrollmentTokens.nodeId, node.id))),
	);
	const [claimed] = await db.batch([claim, create]);
	const row = claimed[0];
	return row ? { zoneId: row.zoneId } : null;
}
