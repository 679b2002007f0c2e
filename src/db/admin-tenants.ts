/** Tenant listing and default-policy updates for the admin API. */
import { asc, eq } from "drizzle-orm";
import type { Database } from "./client.js";
import { tenants } from "./schema.js";

/** A tenant as the admin API shows it. */
export interface TenantListing {
	id: string;
	name: string;
	defaultPolicy: string | null;
}

/** Every tenant, by id. */
export async function listTenants(db: Database): Promise<TenantListing[]> {
	return db
		.select({ id: tenants.id, name: tenants.name, defaultPolicy: tenants.defaultPolicy })
		.from(tenants)
		.orderBy(asc(tenants.id))
		.all();
}

/** Stores `defaultPolicy` (null clears it) for tenant `id`; returns the updated tenant, or null when unknown. */
export async function setTenantDefaultPolicy(
	db: Database,
	id: string,
	defaultPolicy: string | null,
): Promise<TenantListing | null> {
	const rows = await db
		.update(tenants)
		.set({ defaultPolicy })
		.where(eq(tenants.id, id))
		.returning({ id: tenants.id, name: tenants.name, defaultPolicy: tenants.defaultPolicy });
	return rows[0] ?? null;
}
