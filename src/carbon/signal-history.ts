/**
 * Which of a refresh's rows are new readings for `carbon_signal_history`: a
 * signal fetched since the stored one (a last-good value kept through a
 * provider failure is not new), and a catalogue default only when the zone
 * did not already hold the same default, so a static zone adds no row per cron.
 */
import type { CarbonHistoryRow, CarbonSignalRow } from "../db/carbon-signals.js";

/** The history rows of a refresh, given what D1 held before it. */
export function newReadings(
	rows: readonly CarbonSignalRow[],
	stored: ReadonlyMap<string, CarbonSignalRow>,
): CarbonHistoryRow[] {
	return rows
		.filter((row) => {
			const before = stored.get(row.zoneId);
			if (!before) return true;
			if (before.fetchedAt === row.fetchedAt) return false;
			const sameDefault = row.source === "static" && before.source === "static" && before.gco2PerKwh === row.gco2PerKwh;
			return !sameDefault;
		})
		.map((row) => ({
			zoneId: row.zoneId,
			fetchedAt: row.fetchedAt,
			gridZone: row.gridZone,
			gco2PerKwh: row.gco2PerKwh,
			source: row.source,
			validAt: row.observedAt,
		}));
}
