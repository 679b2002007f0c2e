/**
 * Validates the fibre latency model against measured GCP inter-region RTTs
 * (catalogue/inter-region-latency-ms.csv, a copy of the shared data's
 * inter_region_latency_ms.csv; zone codes mapped to cloud regions by
 * inter-region-latency-zone-map.json, coordinates from zones.csv).
 * The figures quoted in docs/carbon-and-latency.md are the ones computed here.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { greatCircleKm, type LatLon } from "../../src/geo/great-circle.js";
import {
	CLOUD_BACKBONE_MODEL,
	INTERNET_FIBRE_MODEL,
	type LatencyModel,
	RTT_FLOOR_MS,
	rttMsForDistance,
} from "../../src/geo/latency-model.js";

/** The repository's copies of the shared data (catalogue/, each file naming its source), so a bare clone can run this. */
const DATA_DIR =
	process.env.ARCNET_CATALOGUE_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), "../../catalogue");

/**
 * Latency-matrix codes that name the same data-centre city as a zones.csv row
 * under another code: Electricity Maps renamed AUS-NSW to AU-NSW; IN-MH
 * (Mumbai) and IN-DL (Delhi) are zones.csv's IN-WE and IN-NO cities; GCP
 * us-west1 (US-NW-PACW in the matrix) is The Dalles, zones.csv's US-NW-BPAT row.
 */
const COORDINATE_ALIASES: Record<string, string> = {
	"AUS-NSW": "AU-NSW",
	"IN-MH": "IN-WE",
	"IN-DL": "IN-NO",
	"US-NW-PACW": "US-NW-BPAT",
};
/** US-MIDA-PJM appears twice; zones.csv's coordinates are Ashburn (us-east4), not Columbus (us-east5). */
const REGIONS_NOT_AT_ZONE_COORDINATES = new Set(["us-east5"]);

function parseCsvLine(line: string): string[] {
	const cells: string[] = [];
	let cell = "";
	let quoted = false;
	for (let i = 0; i < line.length; i++) {
		const ch = line[i];
		if (quoted && ch === '"' && line[i + 1] === '"') {
			cell += '"';
			i++;
		} else if (ch === '"') quoted = !quoted;
		else if (ch === "," && !quoted) {
			cells.push(cell);
			cell = "";
		} else cell += ch;
	}
	cells.push(cell);
	return cells;
}

function readCsv(name: string): string[][] {
	const path = join(DATA_DIR, name);
	let text: string;
	try {
		text = readFileSync(path, "utf8");
	} catch (err) {
		throw new Error(`latency fixture ${path} is unreadable (set ARCNET_CATALOGUE_DIR to the catalogue folder)`, {
			cause: err,
		});
	}
	return text
		.split(/\r?\n/)
		.filter((l) => l.trim().length > 0 && !l.startsWith("#"))
		.map(parseCsvLine);
}

interface Pair {
	from: string;
	to: string;
	distanceKm: number;
	measuredMs: number;
}

function loadPairs(useAliases: boolean): { pairs: Pair[]; skippedCodes: string[] } {
	const coords = new Map<string, LatLon>();
	const [zoneHeader, ...zoneRows] = readCsv("zones.csv");
	const iCode = zoneHeader?.indexOf("zone_code") ?? -1;
	const iLat = zoneHeader?.indexOf("lat") ?? -1;
	const iLon = zoneHeader?.indexOf("lon") ?? -1;
	for (const row of zoneRows) coords.set(row[iCode] ?? "", { lat: Number(row[iLat]), lon: Number(row[iLon]) });

	const regionToCode = JSON.parse(readFileSync(join(DATA_DIR, "inter-region-latency-zone-map.json"), "utf8")) as Record<
		string,
		string
	>;
	const regions = Object.keys(regionToCode);
	const [header, ...rows] = readCsv("inter-region-latency-ms.csv");
	const codes = (header ?? []).slice(1);
	// Columns and rows are in the zone map's order; this is what lets us tell the two US-MIDA-PJM apart.
	expect(codes).toEqual(Object.values(regionToCode));
	expect(rows.map((r) => r[0])).toEqual(codes);

	const locate = (index: number): LatLon | undefined => {
		const region = regions[index] ?? "";
		const code = codes[index] ?? "";
		if (REGIONS_NOT_AT_ZONE_COORDINATES.has(region)) return undefined;
		return coords.get(useAliases ? (COORDINATE_ALIASES[code] ?? code) : code);
	};
	const pairs: Pair[] = [];
	rows.forEach((row, i) => {
		const from = locate(i);
		row.slice(1).forEach((cell, j) => {
			const to = locate(j);
			if (i === j || !from || !to) return;
			pairs.push({
				from: codes[i] ?? "",
				to: codes[j] ?? "",
				distanceKm: greatCircleKm(from, to),
				measuredMs: Number(cell),
			});
		});
	});
	const skippedCodes = [...new Set(codes.filter((_, i) => !locate(i)))];
	return { pairs, skippedCodes };
}

function quantile(values: number[], q: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	const pos = (sorted.length - 1) * q;
	const lo = Math.floor(pos);
	const hi = Math.ceil(pos);
	return (sorted[lo] ?? Number.NaN) + ((sorted[hi] ?? Number.NaN) - (sorted[lo] ?? Number.NaN)) * (pos - lo);
}

function errorStats(pairs: Pair[], model: LatencyModel) {
	const abs = pairs.map((p) => Math.abs(rttMsForDistance(p.distanceKm, model) - p.measuredMs));
	const rel = pairs.map((p, k) => (abs[k] ?? 0) / p.measuredMs);
	return {
		pairs: pairs.length,
		medianAbsMs: quantile(abs, 0.5),
		p90AbsMs: quantile(abs, 0.9),
		medianRel: quantile(rel, 0.5),
		p90Rel: quantile(rel, 0.9),
	};
}

const strict = loadPairs(false);
const aliased = loadPairs(true);

describe("fibre latency model against measured inter-region RTTs", () => {
	it("uses every zone with coordinates and skips only those zones.csv lacks", () => {
		expect(strict.pairs.length).toBe(272);
		expect(aliased.pairs.length).toBe(420);
		expect(aliased.skippedCodes).toEqual([
			"TW",
			"HK",
			"JP-KN",
			"ID",
			"AUS-VIC",
			"BE",
			"CH",
			"IT-NO",
			"CL-SEN",
			"US-CAR-SC",
			"US-MIDA-PJM",
			"US-NW-PACE",
			"US-NW-NEVP",
		]);
	});

	it("keeps the Internet model's median relative error below 35% and p90 below 60%", () => {
		for (const { pairs } of [strict, aliased]) {
			const stats = errorStats(pairs, INTERNET_FIBRE_MODEL);
			expect(stats.medianRel).toBeLessThan(0.35);
			expect(stats.p90Rel).toBeLessThan(0.6);
			expect(stats.medianAbsMs).toBeLessThan(40);
		}
	});

	it("chose the floor that fits best: no floor from 1 to 20 ms beats RTT_FLOOR_MS", () => {
		const chosen = errorStats(aliased.pairs, INTERNET_FIBRE_MODEL).medianRel;
		for (let floorMs = 1; floorMs <= 20; floorMs++) {
			const alternative = errorStats(aliased.pairs, { ...INTERNET_FIBRE_MODEL, floorMs }).medianRel;
			expect(alternative, `floor ${floorMs} ms`).toBeGreaterThan(chosen);
		}
		expect(RTT_FLOOR_MS).toBe(0);
	});

	it("fits the cloud backbone model at the grid optimum, within 15% median relative error", () => {
		const fitted = errorStats(aliased.pairs, CLOUD_BACKBONE_MODEL).medianRel;
		expect(fitted).toBeLessThan(0.15);
		for (let step = 0; step <= 26; step++) {
			const stretch = (100 + step * 5) / 100;
			for (let floorMs = 0; floorMs <= 20; floorMs++) {
				const candidate = errorStats(aliased.pairs, { stretch, floorMs }).medianRel;
				expect(candidate, `stretch ${stretch}, floor ${floorMs} ms`).toBeGreaterThanOrEqual(fitted - 1e-12);
			}
		}
	});

	it("reports its figures, worst pairs included", () => {
		const worst = [...aliased.pairs]
			.sort(
				(a, b) =>
					Math.abs(rttMsForDistance(b.distanceKm) - b.measuredMs) -
					Math.abs(rttMsForDistance(a.distanceKm) - a.measuredMs),
			)
			.slice(0, 6)
			.map(
				(p) =>
					`${p.from}->${p.to} ${p.distanceKm.toFixed(0)} km measured ${p.measuredMs} model ${rttMsForDistance(p.distanceKm).toFixed(1)}`,
			);
		const report = {
			internetStrict: errorStats(strict.pairs, INTERNET_FIBRE_MODEL),
			internetAliased: errorStats(aliased.pairs, INTERNET_FIBRE_MODEL),
			backboneAliased: errorStats(aliased.pairs, CLOUD_BACKBONE_MODEL),
			worst,
		};
		if (process.env.ARCNET_PRINT_LATENCY_FIT) console.log(JSON.stringify(report, null, 2));
		expect(worst).toHaveLength(6);
	});
});
