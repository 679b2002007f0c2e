/**
 * Reads the zone catalogue joined with each zone's live status (written by its
 * GeozoneDO) and its latest carbon signal (written by the carbon cron), in one
 * D1 query so the router's directory costs a single read.
 */
import { asc, eq } from "drizzle-orm";
import type { Database } from "./client.js";
import { carbonSignals, geozones, zoneStatus } from "./schema.js";

/** One zone of the catalogue with its latest status; status fields are null before the zone first reports. */
export interface ZoneRow {
	id: string;
	name: string;
	gridZone: string;
	lat: number;
	lon: number;
	regions: string;
	locationHint: string;
	continent: string;
	defaultGco2PerKwh: number;
	enabled: boolean;
	liveNodes: number | null;
	models: string | null;
	/** JSON object, model to what the zone serves of it; null for rows written before zones kept it. */
	modelDetails: string | null;
	slots: number | null;
	freeSlots: number | null;
	queueDepth: number | null;
	updatedAt: number | null;
	/** Moving averages of queue wait and time to first token (ms). */
	queueWaitMs: number | null;
	ttftMs: number | null;
	/** Power of live nodes (W), of those with their own supply (W), and their Σ power x own intensity. */
	powerW: number | null;
	ownPowerW: number | null;
	ownPowerGco2W: number | null;
	/** The zone's latest carbon signal; null before the cron first wrote one. */
	signalGco2PerKwh: number | null;
	signalSource: string | null;
	signalFetchedAt: number | null;
}

/** Every zone of the catalogue (enabled or not) with its status and carbon signal, by id. */
export async function listZonesWithStatus(db: Database): Promise<ZoneRow[]> {
	return db
		.select({
			id: geozones.id,
			name: geozones.name,
			gridZone: geozones.gridZone,
			lat: geozones.lat,
			lon: geozones.lon,
			regions: geozones.regions,
			locationHint: geozones.locationHint,
			continent: geozones.continent,
			defaultGco2PerKwh: geozones.defaultGco2PerKwh,
			enabled: geozones.enabled,
			liveNodes: zoneStatus.liveNodes,
			models: zoneStatus.models,
			modelDetails: zoneStatus.modelDetails,
			slots: zoneStatus.slots,
			freeSlots: zoneStatus.freeSlots,
			queueDepth: zoneStatus.queueDepth,
			updatedAt: zoneStatus.updatedAt,
			queueWaitMs: zoneStatus.queueWaitMs,
			ttftMs: zoneStatus.ttftMs,
			powerW: zoneStatus.powerW,
			ownPowerW: zoneStatus.ownPowerW,
			ownPowerGco2W: zoneStatus.ownPowerGco2W,
			signalGco2PerKwh: carbonSignals.gco2PerKwh,
			signalSource: carbonSignals.source,
			signalFetchedAt: carbonSignals.fetchedAt,
		})
		.from(geozones)
		.leftJoin(zoneStatus, eq(zoneStatus.zoneId, geozones.id))
		.leftJoin(carbonSignals, eq(carbonSignals.zoneId, geozones.id))
		.orderBy(asc(geozones.id))
		.all();
}

/** True when `zoneId` is in the catalogue and enabled. */
export async function zoneExists(db: Database, zoneId: string): Promise<boolean> {
	const row = await db.select({ enabled: geozones.enabled }).from(geozones).where(eq(geozones.id, zoneId)).get();
	return row?.enabled === true;
}
