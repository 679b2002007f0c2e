/**
 * Gathers what GET /metrics reports: the zone directory and carbon signals
 * from D1 (one query), and each zone's metrics from its GeozoneDO over RPC,
 * asked in parallel. A zone that does not answer is reported as down, not
 * left out silently.
 */
import type { ZoneMetrics } from "../../durable-objects/geozone/metrics/contract.js";
import { database } from "../db/client.js";
import { listZonesWithStatus, type ZoneRow } from "../db/zones.js";
import { log } from "../protocol/log-line.js";
import { geozoneStub } from "../routing/geozone-stub.js";

/** One zone of the scrape: its catalogue row and its metrics, or null when its object failed to answer. */
export interface ScrapedZone {
	row: ZoneRow;
	metrics: ZoneMetrics | null;
}

/** Every catalogued zone (enabled or not: a disabled zone may still hold jobs), with its metrics. */
export async function collectZones(env: Pick<Env, "DB" | "GEOZONE" | "GEOZONE_EU_ZONES">): Promise<ScrapedZone[]> {
	const rows = await listZonesWithStatus(database(env));
	return Promise.all(
		rows.map(async (row) => {
			try {
				const metrics = await geozoneStub(env, row.id, row.locationHint).metrics(row.id);
				return { row, metrics };
			} catch (error) {
				log("error", "metrics_zone_unanswered", { zone: row.id, error });
				return { row, metrics: null };
			}
		}),
	);
}
