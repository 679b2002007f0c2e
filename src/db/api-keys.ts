/**
 * Client API keys in D1: insert, list, revoke, the lookup by prefix that
 * authentication needs (joined with the tenant, so one read answers "is this
 * key usable and what are its limits"), and the throttled last_used_at write.
 * JSON columns are decoded here with zod, so a row hand-edited into an
 * invalid shape makes the key unusable instead of crashing the request.
 */
import { and, asc, eq, isNull, lte, or, sql } from "drizzle-orm";
import * as z from "zod";
import type { Scope } from "../auth/client-identity.js";
import type { Database } from "./client.js";
import { apiKeys, tenants } from "./schema.js";

/** A row as written at creation (JSON columns already encoded). */
export type ApiKeyInsert = typeof apiKeys.$inferInsert;

/** A key as the admin API shows it: everything but the hash. */
export interface ApiKeyListing {
	id: string;
	prefix: string;
	tenantId: string;
	name: string;
	scopes: Scope[];
	allowedModels: string[] | null;
	allowedRegions: string[] | null;
	rateLimitPerMinute: number | null;
	maxConcurrent: number | null;
	dailyTokenQuota: number | null;
	createdAt: number;
	expiresAt: number | null;
	revokedAt: number | null;
	lastUsedAt: number | null;
}

/** What authentication needs about a key: the listing, its hash, and its tenant's state and limits. */
export interface ApiKeyAuthRecord extends ApiKeyListing {
	keyHash: string;
	tenantDisabledAt: number | null;
	tenantRateLimitPerMinute: number | null;
	tenantMaxConcurrent: number | null;
	tenantDailyTokenQuota: number | null;
}

/** One scope name: inference, jobs or admin. */
export const scopeSchema = z.enum(["inference", "jobs", "admin"]) satisfies z.ZodType<Scope>;

const scopesJson = z.array(scopeSchema).min(1);
const stringsJson = z.array(z.string()).nullable();

function decode<T>(schema: z.ZodType<T>, text: string | null): T | undefined {
	if (text === null) return schema.safeParse(null).success ? (null as T) : undefined;
	try {
		const parsed = schema.safeParse(JSON.parse(text));
		return parsed.success ? parsed.data : undefined;
	} catch {
		return undefined;
	}
}

const listingColumns = {
	id: apiKeys.id,
	prefix: apiKeys.prefix,
	tenantId: apiKeys.tenantId,
	name: apiKeys.name,
	scopes: apiKeys.scopes,
	allowedModels: apiKeys.allowedModels,
	allowedRegions: apiKeys.allowedRegions,
	rateLimitPerMinute: apiKeys.rateLimitPerMinute,
	maxConcurrent: apiKeys.maxConcurrent,
	dailyTokenQuota: apiKeys.dailyTokenQuota,
	createdAt: apiKeys.createdAt,
	expiresAt: apiKeys.expiresAt,
	revokedAt: apiKeys.revokedAt,
	lastUsedAt: apiKeys.lastUsedAt,
};

type RawListing = { scopes: string; allowedModels: string | null; allowedRegions: string | null } & Omit<
	ApiKeyListing,
	"scopes" | "allowedModels" | "allowedRegions"
>;

/** Decodes the JSON columns; null when one of them is not what the API writes. */
function toListing<R extends RawListing>(
	row: R,
): (Omit<R, "scopes" | "allowedModels" | "allowedRegions"> & ApiKeyListing) | null {
	const scopes = decode(scopesJson, row.scopes);
	const allowedModels = decode(stringsJson, row.allowedModels);
	const allowedRegions = decode(stringsJson, row.allowedRegions);
	if (scopes === undefined || allowedModels === undefined || allowedRegions === undefined) return null;
	return { ...row, scopes, allowedModels, allowedRegions };
}

/** Inserts a key; false (nothing written) when its prefix is already taken. */
export async function insertApiKey(db: Database, row: ApiKeyInsert): Promise<boolean> {
	const rows = await db.insert(apiKeys).values(row).onConflictDoNothing().returning({ id: apiKeys.id });
	return rows.length > 0;
}

/** Every key, or a tenant's keys, oldest first; never the hash. Rows with undecodable JSON show empty scopes. */
export async function listApiKeys(db: Database, tenantId?: string): Promise<ApiKeyListing[]> {
	const query = db.select(listingColumns).from(apiKeys);
	const rows = await (tenantId === undefined ? query : query.where(eq(apiKeys.tenantId, tenantId)))
		.orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
		.all();
	return rows.map((r) => toListing(r) ?? { ...r, scopes: [], allowedModels: [], allowedRegions: [] });
}

/** The key with `prefix` and its tenant's state, or null when unknown or undecodable. */
export async function findApiKeyForAuth(db: Database, prefix: string): Promise<ApiKeyAuthRecord | null> {
	const row = await db
		.select({
			...listingColumns,
			keyHash: apiKeys.keyHash,
			tenantDisabledAt: tenants.disabledAt,
			tenantRateLimitPerMinute: tenants.rateLimitPerMinute,
			tenantMaxConcurrent: tenants.maxConcurrent,
			tenantDailyTokenQuota: tenants.dailyTokenQuota,
		})
		.from(apiKeys)
		.innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
		.where(eq(apiKeys.prefix, prefix))
		.get();
	return row ? toListing(row) : null;
}

/** Marks key `id` revoked at `now` (a second revoke keeps the first time); null when no such key. */
export async function revokeApiKey(db: Database, id: string, now: number): Promise<ApiKeyListing | null> {
	const rows = await db
		.update(apiKeys)
		.set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${now})` })
		.where(eq(apiKeys.id, id))
		.returning(listingColumns);
	const row = rows[0];
	return row ? toListing(row) : null;
}

/** Sets last_used_at to `now` unless another isolate did so within `minIntervalMs`. */
export async function touchApiKey(db: Database, id: string, now: number, minIntervalMs: number): Promise<void> {
	await db
		.update(apiKeys)
		.set({ lastUsedAt: now })
		.where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lte(apiKeys.lastUsedAt, now - minIntervalMs))))
		.run();
}
