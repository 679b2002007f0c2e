/** Tenant listing, creation and updates (policy, limits, disabled) for the admin API. */
import { asc, eq } from "drizzle-orm";
import type { Database } from "./client.js";
import { tenants } from "./schema.js";

/** A tenant as the admin API shows it. */
export interface TenantListing {
	id: string;
	name: string;
	defaultPolicy: string | null;
	rateLimitPerMinute: number | null;
	maxConcurrent: number | null;
	dailyTokenQuota: number | null;
	createdAt: number;
	/** When the tenant was disabled (epoch ms); null while enabled. */
	disabledAt: number | null;
}

/** A tenant row as written at creation. */
export type TenantInsert = typeof tenants.$inferInsert;

/** The columns a PATCH may change. */
export type TenantChanges = Partial<
	Pick<TenantInsert, "defaultPolicy" | "rateLimitPerMinute" | "maxConcurrent" | "dailyTokenQuota" | "disabledAt">
>;

const listingColumns = {
	id: tenants.id,
	name: tenants.name,
	defaultPolicy: tenants.defaultPolicy,
	rateLimitPerMinute: tenants.rateLimitPerMinute,
	maxConcurrent: tenants.maxConcurrent,
	dailyTokenQuota: tenants.dailyTokenQuota,
	createdAt: tenants.createdAt,
	disabledAt: tenants.disabledAt,
};

/** Every tenant, by id. */
export async function listTenants(db: Database): Promise<TenantListing[]> {
	return db.select(listingColumns).from(tenants).orderBy(asc(tenants.id)).all();
}

/** True when tenant `id` exists (enabled or not). */
export async function tenantExists(db: Database, id: string): Promise<boolean> {
	const row = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, id)).get();
	return row !== undefined;
}

/** Inserts a tenant; null (nothing written) when the id is taken. */
export async function insertTenant(db: Database, row: TenantInsert): Promise<TenantListing | null> {
	const rows = await db.insert(tenants).values(row).onConflictDoNothing().returning(listingColumns);
	return rows[0] ?? null;
}

/** Applies `changes` to tenant `id`; returns the updated tenant, or null when unknown. */
export async function updateTenant(db: Database, id: string, changes: TenantChanges): Promise<TenantListing | null> {
	if (Object.keys(changes).length === 0) {
		return (await db.select(listingColumns).from(tenants).where(eq(tenants.id, id)).get()) ?? null;
	}
	const rows = await db.update(tenants).set(changes).where(eq(tenants.id, id)).returning(listingColumns);
	return rows[0] ?? null;
}
