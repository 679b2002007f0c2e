/**
 * Tenant settings read on every request: the default routing policy (cached
 * here per isolate so the warm path reads no D1) and the state and limits
 * that authentication needs (cached by src/auth/api-key-cache.ts).
 */
import { eq } from "drizzle-orm";
import type { Database } from "./client.js";
import { tenants } from "./schema.js";

/** How long a tenant's settings are reused (30 s); a policy change takes effect within that. */
export const TENANT_TTL_MS = 30_000;

/** Most tenants kept in the cache (1,000); the oldest entry is dropped beyond that. */
const MAX_CACHED_TENANTS = 1_000;

const cache = new Map<string, { defaultPolicy: string | null; fetchedAt: number }>();

/** The tenant's stored default policy text (null when unset or the tenant is unknown). */
export async function tenantDefaultPolicy(
	db: Database,
	tenantId: string,
	options: { now?: number; fresh?: boolean } = {},
): Promise<string | null> {
	const now = options.now ?? Date.now();
	const hit = cache.get(tenantId);
	if (!options.fresh && hit && now - hit.fetchedAt < TENANT_TTL_MS) return hit.defaultPolicy;
	const row = await db
		.select({ defaultPolicy: tenants.defaultPolicy })
		.from(tenants)
		.where(eq(tenants.id, tenantId))
		.get();
	const defaultPolicy = row?.defaultPolicy ?? null;
	cache.delete(tenantId);
	cache.set(tenantId, { defaultPolicy, fetchedAt: now });
	if (cache.size > MAX_CACHED_TENANTS) {
		const oldest = cache.keys().next();
		if (!oldest.done) cache.delete(oldest.value);
	}
	return defaultPolicy;
}

/** What authentication needs about a tenant: whether it is disabled, and its limits. */
export interface TenantAuthRecord {
	disabledAt: number | null;
	rateLimitPerMinute: number | null;
	maxConcurrent: number | null;
	dailyTokenQuota: number | null;
}

/** The tenant's state and limits, read from D1 (callers cache it); null when unknown. */
export async function findTenantForAuth(db: Database, tenantId: string): Promise<TenantAuthRecord | null> {
	const row = await db
		.select({
			disabledAt: tenants.disabledAt,
			rateLimitPerMinute: tenants.rateLimitPerMinute,
			maxConcurrent: tenants.maxConcurrent,
			dailyTokenQuota: tenants.dailyTokenQuota,
		})
		.from(tenants)
		.where(eq(tenants.id, tenantId))
		.get();
	return row ?? null;
}
