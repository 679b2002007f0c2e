/**
 * Hour-by-hour carbon intensity of the zones that have a trace in
 * data/traces/, over a run of consecutive days: the series time-shifting is
 * replayed on. Flat zones are left out, since a zone with no hourly shape
 * offers nothing to wait for.
 */
import { readFileSync } from "node:fs";
import { parseCsv } from "../../../scripts/csv.mjs";
import { TRACES, type TraceFormat } from "../carbon-day.js";
import { TRACES_DIR } from "../inputs.js";

/** A zone's hourly series: `hourly[i]` is hour i after the series' start (UTC). */
export interface ZoneHours {
	zoneId: string;
	hourly: number[];
}

const DAY_MS = 86_400_000;

/** Hourly means of one trace, keyed "MM-DD HH", ignoring the year (the traces cover different years). */
function hourlyMeans(format: TraceFormat): Map<string, number> {
	const sums = new Map<string, { sum: number; n: number }>();
	for (const record of parseCsv(readFileSync(`${TRACES_DIR}/${format.file}`, "utf8"))) {
		const stamp = record[format.timeColumn] ?? "";
		const value = Number(record[format.valueColumn]);
		if (stamp.startsWith("2019") || !Number.isFinite(value)) continue;
		const key = `${stamp.slice(5, 10)} ${stamp.slice(11, 13)}`;
		const entry = sums.get(key) ?? { sum: 0, n: 0 };
		entry.sum += value;
		entry.n += 1;
		sums.set(key, entry);
	}
	return new Map([...sums].map(([k, v]) => [k, v.sum / v.n]));
}

/**
 * `days` days of hourly figures per traced zone, from `startMonthDay` ("MM-DD")
 * of a non-leap year. A missing hour takes the previous hour's value.
 */
export function tracedZoneHours(startMonthDay: string, days: number): ZoneHours[] {
	const start = Date.parse(`2023-${startMonthDay}T00:00:00Z`);
	if (Number.isNaN(start)) throw new Error(`date must be MM-DD, got ${JSON.stringify(startMonthDay)}`);
	return Object.entries(TRACES).map(([zoneId, format]) => {
		const means = hourlyMeans(format);
		const hourly: number[] = [];
		for (let h = 0; h < days * 24; h++) {
			const t = new Date(start + Math.floor(h / 24) * DAY_MS);
			const key = `${t.toISOString().slice(5, 10)} ${String(h % 24).padStart(2, "0")}`;
			const value = means.get(key) ?? hourly.at(-1);
			if (value === undefined) throw new Error(`${format.file}: no samples at ${key}`);
			hourly.push(value);
		}
		return { zoneId, hourly };
	});
}
