/**
 * Per-isolate cache of what authenticating a client key needs: the key row
 * (with its tenant's state and limits) by prefix, and tenant rows for the dev
 * key. Entries live API_KEY_TTL_MS, so a revocation or a tenant disable made
 * in another isolate takes effect within that; the isolate that served the
 * admin call drops its entries at once. Misses are cached too, so a flood of
 * made-up keys costs one D1 read per prefix per TTL, not one per request.
 */

import { type ApiKeyAuthRecord, findApiKeyForAuth } from "../db/api-keys.js";
import type { Database } from "../db/client.js";
import { findTenantForAuth, type TenantAuthRecord } from "../db/tenants.js";

/** How long a key or tenant row is trusted before D1 is read again (5 s). */
export const API_KEY_TTL_MS = 5_000;
/** Most entries per map (10,000); the oldest is dropped beyond that. */
const MAX_ENTRIES = 10_000;

interface Entry<T> {
	value: T | null;
	fetchedAt: number;
}

const keys = new Map<string, Entry<ApiKeyAuthRecord>>();
const tenants = new Map<string, Entry<TenantAuthRecord>>();

function remember<T>(map: Map<string, Entry<T>>, id: string, value: T | null, now: number): void {
	map.delete(id);
	map.set(id, { value, fetchedAt: now });
	if (map.size > MAX_ENTRIES) {
		const oldest = map.keys().next();
		if (!oldest.done) map.delete(oldest.value);
	}
}

async function cached<T>(
	map: Map<string, Entry<T>>,
	id: string,
	now: number,
	load: () => Promise<T | null>,
): Promise<T | null> {
	const hit = map.get(id);
	if (hit && now - hit.fetchedAt < API_KEY_TTL_MS && now >= hit.fetchedAt) return hit.value;
	const value = await load();
	remember(map, id, value, now);
	return value;
}

/** The key with `prefix` (and its tenant's state), from cache when younger than API_KEY_TTL_MS. */
export function cachedApiKey(db: Database, prefix: string, now: number): Promise<ApiKeyAuthRecord | null> {
	return cached(keys, prefix, now, () => findApiKeyForAuth(db, prefix));
}

/** The tenant's state and limits, from cache when younger than API_KEY_TTL_MS. */
export function cachedTenant(db: Database, tenantId: string, now: number): Promise<TenantAuthRecord | null> {
	return cached(tenants, tenantId, now, () => findTenantForAuth(db, tenantId));
}

/** Drops a key's entry (after it was created or revoked through this isolate). */
export function forgetApiKey(prefix: string): void {
	keys.delete(prefix);
}

/** Drops a tenant's entry and every cached key of that tenant (after a tenant change through this isolate). */
export function forgetTenant(tenantId: string): void {
	tenants.delete(tenantId);
	for (const [prefix, entry] of keys) {
		if (entry.value?.tenantId === tenantId) keys.delete(prefix);
	}
}
