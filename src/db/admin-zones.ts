/**
 * Writes to the zone catalogue for the admin API: create a zone, change its
 * fields, enable or disable it. Zones are never deleted (nodes, tokens and job
 * history refer to them); disabling one takes it out of routing instead.
 */
import { eq } from "drizzle-orm";
import type { Database } from "./client.js";
import { geozones } from "./schema.js";

/** A catalogue row as written (regions as a JSON array text, as stored). */
export type ZoneInsert = typeof geozones.$inferInsert;

/** The fields a PATCH may change: every column of the row except the id. */
export type ZoneChanges = Partial<Omit<ZoneInsert, "id">>;

/** Inserts `zone`; returns false (and writes nothing) when its id is taken. */
export async function insertZone(db: Database, zone: ZoneInsert): Promise<boolean> {
	const rows = await db.insert(geozones).values(zone).onConflictDoNothing().returning({ id: geozones.id });
	return rows.length > 0;
}

/** Applies `changes` to zone `id`; returns false when no such zone exists. */
export async function updateZone(db: Database, id: string, changes: ZoneChanges): Promise<boolean> {
	if (Object.keys(changes).length === 0) {
		const row = await db.select({ id: geozones.id }).from(geozones).where(eq(geozones.id, id)).get();
		return row !== undefined;
	}
	const rows = await db.update(geozones).set(changes).where(eq(geozones.id, id)).returning({ id: geozones.id });
	return rows.length > 0;
}
