/**
 * D1 reads and writes of the carbon refresh: the zones to refresh with their
 * catalogue defaults, the stored signals (the previous refresh's result, so the
 * last good value survives across cron runs), and one batched upsert.
 */
import { eq, sql } from "drizzle-orm";
import type { Database } from "./client.js";
import { carbonSignalHistory, carbonSignals, geozones } from "./schema.js";

/** One enabled zone as the refresh needs it. */
export interface CarbonZone {
	id: string;
	gridZone: string;
	defaultGco2PerKwh: number;
}

/** One row of `carbon_signals` (epoch ms timestamps). */
export type CarbonSignalRow = typeof carbonSignals.$inferSelect;

/** One row of `carbon_signal_history`: a reading as it was fetched. */
export type CarbonHistoryRow = typeof carbonSignalHistory.$inferInsert;

/** Enabled zones of the catalogue, by id. */
export async function listCarbonZones(db: Database): Promise<CarbonZone[]> {
	return db
		.select({ id: geozones.id, gridZone: geozones.gridZone, defaultGco2PerKwh: geozones.defaultGco2PerKwh })
		.from(geozones)
		.where(eq(geozones.enabled, true))
		.orderBy(geozones.id)
		.all();
}

/** Every stored signal, by zone id. */
export async function readCarbonSignals(db: Database): Promise<Map<string, CarbonSignalRow>> {
	const rows = await db.select().from(carbonSignals).all();
	return new Map(rows.map((r) => [r.zoneId, r]));
}

/**
 * Inserts or replaces the given rows and appends the new readings to the history, in one `db.batch`
 * (a D1 transaction); no-op for none. A reading the history already holds is left as it is.
 */
export async function upsertCarbonSignals(
	db: Database,
	rows: readonly CarbonSignalRow[],
	history: readonly CarbonHistoryRow[] = [],
): Promise<void> {
	const statements = rows.map((row) =>
		db
			.insert(carbonSignals)
			.values(row)
			.onConflictDoUpdate({
				target: carbonSignals.zoneId,
				set: {
					gridZone: sql`excluded.grid_zone`,
					gco2PerKwh: sql`excluded.gco2_per_kwh`,
					source: sql`excluded.source`,
					observedAt: sql`excluded.observed_at`,
					fetchedAt: sql`excluded.fetched_at`,
					lastError: sql`excluded.last_error`,
					lastErrorAt: sql`excluded.last_error_at`,
				},
			}),
	);
	const appended = history.map((row) => db.insert(carbonSignalHistory).values(row).onConflictDoNothing());
	const [first, ...rest] = [...statements, ...appended];
	if (!first) return;
	await db.batch([first, ...rest]);
}
