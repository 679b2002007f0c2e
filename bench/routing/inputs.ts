/**
 * Loads the simulation's fixed inputs: the zones of catalogue/zones.csv
 * and the population-weighted cities of cities.csv, validated with zod so a
 * bad row names its file, field and value.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parseCsv } from "../../scripts/csv.mjs";

/** The zone catalogue, with its source line (catalogue/README.md). */
export const ZONES_CSV = fileURLToPath(new URL("../../catalogue/zones.csv", import.meta.url));

/** The carbon-intensity traces the simulation replays, with their sources (data/README.md). */
export const TRACES_DIR = fileURLToPath(new URL("../../data/traces/", import.meta.url));

/** One grid zone hosting GPU nodes. */
export interface SimZone {
	id: string;
	lat: number;
	lon: number;
	/** 2024 yearly average, gCO2eq/kWh (zones.csv). */
	avgGco2PerKwh: number;
}

/** One metro area sending requests. */
export interface SimCity {
	name: string;
	lat: number;
	lon: number;
	populationMillions: number;
}

const num = z.coerce.number().finite();
const zoneRow = z.object({
	zone_code: z.string().min(1),
	lat: num.min(-90).max(90),
	lon: num.min(-180).max(180),
	avg_gco2_per_kwh: num.positive(),
});
const cityRow = z.object({
	city: z.string().min(1),
	lat: num.min(-90).max(90),
	lon: num.min(-180).max(180),
	population_millions: num.positive(),
});

function parseRows<T>(file: string, schema: z.ZodType<T>): T[] {
	return parseCsv(readFileSync(file, "utf8")).map((record, i) => {
		const parsed = schema.safeParse(record);
		if (!parsed.success) {
			const issue = parsed.error.issues[0];
			const field = String(issue?.path[0] ?? "?");
			throw new Error(
				`${file} row ${i + 2}: field "${field}" got ${JSON.stringify(record[field])}: ${issue?.message ?? "invalid"}`,
			);
		}
		return parsed.data;
	});
}

/** Reads the zones of `file` (default: catalogue/zones.csv). */
export function loadZones(file: string = ZONES_CSV): SimZone[] {
	return parseRows(file, zoneRow).map((r) => ({
		id: r.zone_code,
		lat: r.lat,
		lon: r.lon,
		avgGco2PerKwh: r.avg_gco2_per_kwh,
	}));
}

/** Reads bench/routing/cities.csv. */
export function loadCities(): SimCity[] {
	const file = fileURLToPath(new URL("./cities.csv", import.meta.url));
	return parseRows(file, cityRow).map((r) => ({
		name: r.city,
		lat: r.lat,
		lon: r.lon,
		populationMillions: r.population_millions,
	}));
}
