/**
 * Hourly carbon intensity of every zone over the simulated day. Zones with a
 * trace in data/traces/ replay that trace's same calendar date
 * (hourly means of its 15- or 30-minute samples); the others stay flat at
 * their 2024 yearly average, because no hourly shape is known for them and
 * borrowing another grid's shape would invent one.
 */
import { readFileSync } from "node:fs";
import { parseCsv } from "../../scripts/csv.mjs";
import { type SimZone, TRACES_DIR } from "./inputs.js";

/** How one trace file is read: its name and its timestamp and value columns. */
export interface TraceFormat {
	file: string;
	timeColumn: string;
	valueColumn: string;
}

/**
 * The traces by zone. CISO and ERCOT are UTC (documented). GB and DE are not
 * documented; they are read as UTC: DE's mean daily minimum falls at 11:00 as
 * stored, which matches solar noon over Germany in UTC (about 11:20), not in
 * local time (12:20 CET, 13:20 CEST).
 */
export const TRACES: Record<string, TraceFormat> = {
	"US-CAL-CISO": {
		file: "US-CAL-CISO_2023_hourly.csv",
		timeColumn: "Datetime (UTC)",
		valueColumn: "Carbon Intensity gCO₂eq/kWh (LCA)",
	},
	"US-TEX-ERCO": { file: "US-TEX-ERCO_2022_hourly.csv", timeColumn: "timestamp", valueColumn: "avg_CI" },
	GB: { file: "GB_2020_halfhourly.csv", timeColumn: "Time", valueColumn: "Carbon Intensity" },
	DE: { file: "DE_2020_15min.csv", timeColumn: "Time", valueColumn: "Carbon Intensity" },
};

/** Where each zone's hourly figures came from, for the report. */
export type CarbonSource = { kind: "trace"; file: string } | { kind: "flat-yearly-average" };

/** 24 hourly gCO2/kWh figures (index = UTC hour) for one zone, with their source. */
export interface ZoneCarbonDay {
	hourly: number[];
	source: CarbonSource;
}

/** Hourly means (UTC) of one trace on date `monthDay` ("MM-DD"), in whatever year the trace covers. */
function traceDay(format: TraceFormat, monthDay: string, tracesDir: string): number[] {
	const file = `${tracesDir}/${format.file}`;
	const sums = new Array<number>(24).fill(0);
	const counts = new Array<number>(24).fill(0);
	for (const record of parseCsv(readFileSync(file, "utf8"))) {
		const stamp = record[format.timeColumn] ?? "";
		// "YYYY-MM-DD HH:MM:SS[+00:00]": skip Dec 2019 lead-in rows of the 2020 traces.
		if (stamp.slice(5, 10) !== monthDay || stamp.startsWith("2019")) continue;
		const hour = Number(stamp.slice(11, 13));
		const value = Number(record[format.valueColumn]);
		if (!Number.isFinite(value) || !(hour >= 0 && hour < 24)) continue;
		sums[hour] = (sums[hour] ?? 0) + value;
		counts[hour] = (counts[hour] ?? 0) + 1;
	}
	return sums.map((sum, hour) => {
		const n = counts[hour] ?? 0;
		if (n === 0) throw new Error(`${file}: no samples for ${monthDay} hour ${hour} (column "${format.valueColumn}")`);
		return sum / n;
	});
}

/** The day's hourly carbon figures for each zone, in the order of `zones`. */
export function carbonDay(zones: readonly SimZone[], monthDay: string, tracesDir = TRACES_DIR): ZoneCarbonDay[] {
	if (!/^\d\d-\d\d$/.test(monthDay)) throw new Error(`date must be MM-DD, got ${JSON.stringify(monthDay)}`);
	return zones.map((zone) => {
		const format = TRACES[zone.id];
		if (format) return { hourly: traceDay(format, monthDay, tracesDir), source: { kind: "trace", file: format.file } };
		return { hourly: new Array<number>(24).fill(zone.avgGco2PerKwh), source: { kind: "flat-yearly-average" } };
	});
}
