/**
 * Loads the simulation's fixed inputs: the zones of ../shared/data/zones.csv
 * and the population-weighted cities of cities.csv, validated with zod so a
 * bad row names its file, field and value.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parseCsv } from "./csv.js";

/** The shared reference data, beside the repository (as in CI). */
export const SHARED_DATA_DIR = fileURLToPath(new URL("../../../shared/data/", import.meta.url));

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

/** Reads zones.csv from `dataDir` (default: ../shared/data). */
export function loadZones(dataDir: string = SHARED_DATA_DIR): SimZone[] {
	return parseRows(`${dataDir}/zones.csv`, zoneRow).map((r) => ({
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
