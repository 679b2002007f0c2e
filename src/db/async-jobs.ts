/**
 * D1 `async_jobs`: the index from an async job id (and a tenant's
 * Idempotency-Key) to the zone that holds the job. The zone column is
 * claimed with compare-and-set before each submit, so only one zone is ever
 * sent a given job id and a retry resumes at the zone last claimed.
 */
import { and, eq, isNull, lt } from "drizzle-orm";
import type { Database } from "./client.js";
import { asyncJobs } from "./schema.js";

export type AsyncJobRecord = typeof asyncJobs.$inferSelect;

/** Inserts the record; false when the tenant's Idempotency-Key is already taken (unique index). */
export async function insertAsyncJob(db: Database, row: typeof asyncJobs.$inferInsert): Promise<boolean> {
	const inserted = await db.insert(asyncJobs).values(row).onConflictDoNothing().returning({ id: asyncJobs.id });
	return inserted.length > 0;
}

/** The tenant's record for an Idempotency-Key, or undefined. */
export async function findByIdempotencyKey(
	db: Database,
	tenantId: string,
	key: string,
): Promise<AsyncJobRecord | undefined> {
	return db
		.select()
		.from(asyncJobs)
		.where(and(eq(asyncJobs.tenantId, tenantId), eq(asyncJobs.idempotencyKey, key)))
		.get();
}

/** The tenant's record for a job id, or undefined (another tenant's id reads as unknown). */
export async function findAsyncJob(db: Database, id: string, tenantId: string): Promise<AsyncJobRecord | undefined> {
	return db
		.select()
		.from(asyncJobs)
		.where(and(eq(asyncJobs.id, id), eq(asyncJobs.tenantId, tenantId)))
		.get();
}

/** Moves the job's zone claim from `from` (null: unclaimed) to `to`; false when another request moved it first. */
export async function claimZone(db: Database, id: string, from: string | null, to: string): Promise<boolean> {
	const where = and(eq(asyncJobs.id, id), from === null ? isNull(asyncJobs.zoneId) : eq(asyncJobs.zoneId, from));
	const moved = await db.update(asyncJobs).set({ zoneId: to }).where(where).returning({ id: asyncJobs.id });
	return moved.length > 0;
}

/** Deletes one record (a job no zone accepted, or an expired one being replaced). */
export async function deleteAsyncJob(db: Database, id: string): Promise<void> {
	await db.delete(asyncJobs).where(eq(asyncJobs.id, id));
}

/** Deletes records whose retention ended before `now` (the cron); returns how many. */
export async function deleteExpiredAsyncJobs(db: Database, now: number): Promise<number> {
	const deleted = await db.delete(asyncJobs).where(lt(asyncJobs.expiresAt, now)).returning({ id: asyncJobs.id });
	return deleted.length;
}
