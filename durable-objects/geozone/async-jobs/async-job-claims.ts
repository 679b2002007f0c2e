/**
 * The D1 claim that names which zone holds an async job (`async_jobs.zone_id`),
 * as the zone's hand-off moves it. The Worker reads the same column to send
 * GET and DELETE /v1/jobs to the right zone.
 */
import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { asyncJobs } from "../../../src/db/schema.js";

/** Moves the job's zone claim from `from` (null: unclaimed) to `to`; false when another request moved it first. */
export async function claimZone(d1: D1Database, id: string, from: string | null, to: string): Promise<boolean> {
	const where = and(eq(asyncJobs.id, id), from === null ? isNull(asyncJobs.zoneId) : eq(asyncJobs.zoneId, from));
	const moved = await drizzle(d1).update(asyncJobs).set({ zoneId: to }).where(where).returning({ id: asyncJobs.id });
	return moved.length > 0;
}

/** The zone the job's record names now, or undefined when there is no record. */
export async function claimedZone(d1: D1Database, id: string): Promise<string | null | undefined> {
	const row = await drizzle(d1).select({ zoneId: asyncJobs.zoneId }).from(asyncJobs).where(eq(asyncJobs.id, id)).get();
	return row?.zoneId;
}
