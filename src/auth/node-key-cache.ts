/**
 * Per-isolate cache of node identities (zone, status, public key), so the
 * agent API does not read D1 on every poll. Entries live NODE_KEY_TTL_MS, so
 * a revocation made elsewhere takes effect within seconds; a revocation made
 * through this isolate drops the entry at once.
 */
import type { Database } from "../db/client.js";
import { findNodeKey, type NodeKeyRow } from "../db/node-keys.js";

/** How long a node's key row is trusted before D1 is read again (10 s). */
export const NODE_KEY_TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

const cache = new Map<string, { row: NodeKeyRow; fetchedAt: number }>();

/** The node's key row, from cache when fresh; unknown nodes are never cached (they may enroll any moment). */
export async function cachedNodeKey(db: Database, nodeId: string, now = Date.now()): Promise<NodeKeyRow | null> {
	const hit = cache.get(nodeId);
	if (hit && now - hit.fetchedAt < NODE_KEY_TTL_MS) return hit.row;
	const row = await findNodeKey(db, nodeId);
	if (row) {
		if (cache.size >= MAX_ENTRIES) cache.clear();
		cache.set(nodeId, { row, fetchedAt: now });
	} else {
		cache.delete(nodeId);
	}
	return row;
}

/** Drops a node's cached identity (after revocation). */
export function forgetNodeKey(nodeId: string): void {
	cache.delete(nodeId);
}
