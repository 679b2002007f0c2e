/**
 * The zone directory: which zones are enabled, where they are, and what their
 * GeozoneDOs last reported (live nodes, models, free slots, queue wait, time
 * to first token) and their carbon figure. Read from D1 in one query and
 * cached per isolate for DIRECTORY_TTL_MS so the warm path costs no D1 read.
 */
import type { ZoneSummary } from "../../durable-objects/geozone/contract.js";
import { database } from "../db/client.js";
import { listZonesWithStatus, type ZoneRow } from "../db/zones.js";
import { parseModelDetails } from "./model-details.js";
import { zoneCarbon } from "./zone-carbon.js";

/** How long a directory read is reused (2 s). */
export const DIRECTORY_TTL_MS = 2_000;

/** The figures of a zone's last status report, as its GeozoneDO's summary states them (0 where it never reported). */
type ReportedFigures = Pick<
	ZoneSummary,
	| "zoneId"
	| "liveNodes"
	| "models"
	| "modelDetails"
	| "slots"
	| "freeSlots"
	| "queueDepth"
	| "updatedAt"
	| "queueWaitMs"
	| "ttftMs"
>;

/** One enabled zone as routers see it: its catalogue entry, its last report and its carbon figure. */
export interface DirectoryZone extends ReportedFigures {
	locationHint: string;
	lat: number;
	lon: number;
	regions: string[];
	defaultGco2PerKwh: number;
	/** Effective carbon intensity (gCO2eq/kWh) and its source (see zone-carbon.ts). */
	gco2PerKwh: number;
	carbonSource: string;
	/** The grid's figure before nodes' declared supply was weighed in (gCO2eq/kWh); absent: gco2PerKwh. */
	gridGco2PerKwh?: number;
}

/** A directory snapshot and when it was read. */
export interface Directory {
	zones: DirectoryZone[];
	fetchedAt: number;
}

function parseStringArray(json: string | null): string[] {
	if (!json) return [];
	try {
		const value: unknown = JSON.parse(json);
		return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
	} catch {
		return [];
	}
}

/** Signals older than this are ignored (CARBON_MAX_AGE_MS, default 6 h). */
function carbonMaxAgeMs(env: Env): number {
	const value = Number(env.CARBON_MAX_AGE_MS);
	return Number.isFinite(value) && value > 0 ? value : 6 * 3_600_000;
}

/** How far declared node power may move a zone's figure, as a share of the grid's (DECLARED_POWER_MAX_SHIFT_PCT, default 100). */
export function maxDeclaredShift(env: { DECLARED_POWER_MAX_SHIFT_PCT?: string }): number {
	const raw = env.DECLARED_POWER_MAX_SHIFT_PCT ?? "";
	const value = raw.trim() === "" ? Number.NaN : Number(raw);
	return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) / 100 : 1;
}

function toDirectoryZone(row: ZoneRow, now: number, maxAgeMs: number, maxShift: number): DirectoryZone {
	const carbon = zoneCarbon(
		{
			defaultGco2PerKwh: row.defaultGco2PerKwh,
			signalGco2PerKwh: row.signalGco2PerKwh,
			signalSource: row.signalSource,
			signalFetchedAt: row.signalFetchedAt,
			powerW: row.powerW ?? 0,
			ownPowerW: row.ownPowerW ?? 0,
			ownPowerGco2W: row.ownPowerGco2W ?? 0,
			maxDeclaredShift: maxShift,
		},
		now,
		maxAgeMs,
	);
	const models = parseStringArray(row.models);
	return {
		zoneId: row.id,
		locationHint: row.locationHint,
		lat: row.lat,
		lon: row.lon,
		regions: parseStringArray(row.regions),
		defaultGco2PerKwh: row.defaultGco2PerKwh,
		liveNodes: row.liveNodes ?? 0,
		models,
		modelDetails: parseModelDetails(row.modelDetails, models),
		slots: row.slots ?? 0,
		freeSlots: row.freeSlots ?? 0,
		queueDepth: row.queueDepth ?? 0,
		updatedAt: row.updatedAt ?? 0,
		queueWaitMs: Math.max(0, row.queueWaitMs ?? 0),
		ttftMs: Math.max(0, row.ttftMs ?? 0),
		gco2PerKwh: carbon.gco2PerKwh,
		carbonSource: carbon.source,
		gridGco2PerKwh: carbon.gridGco2PerKwh,
	};
}

let cached: Directory | null = null;

/** The directory, re-read from D1 when older than DIRECTORY_TTL_MS or when `fresh` is set. */
export async function zoneDirectory(env: Env, options: { fresh?: boolean; now?: number } = {}): Promise<Directory> {
	const now = options.now ?? Date.now();
	if (!options.fresh && cached && now - cached.fetchedAt < DIRECTORY_TTL_MS) return cached;
	const rows = await listZonesWithStatus(database(env));
	const maxAgeMs = carbonMaxAgeMs(env);
	const maxShift = maxDeclaredShift(env);
	cached = {
		zones: rows.filter((r) => r.enabled).map((r) => toDirectoryZone(r, now, maxAgeMs, maxShift)),
		fetchedAt: now,
	};
	return cached;
}

/** Models served by at least one live node, each with the earliest report that lists it (epoch ms). */
export function servedModels(directory: Directory): Map<string, number> {
	const models = new Map<string, number>();
	for (const zone of directory.zones) {
		if (zone.liveNodes <= 0) continue;
		for (const model of zone.models) {
			const seen = models.get(model);
			if (seen === undefined || zone.updatedAt < seen) models.set(model, zone.updatedAt);
		}
	}
	return models;
}
