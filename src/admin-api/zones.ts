/** GET /admin/v1/zones: the zone catalogue with each zone's latest status, read fresh from D1. */
import type { Context } from "hono";
import { database } from "../db/client.js";
import { listZonesWithStatus, type ZoneRow } from "../db/zones.js";
import type { AppEnv } from "../http/app-env.js";

function parseJsonArray(json: string | null): unknown[] {
	if (!json) return [];
	try {
		const value: unknown = JSON.parse(json);
		return Array.isArray(value) ? value : [];
	} catch {
		return [];
	}
}

/** One zone as the admin API shows it: regions and models parsed, status null before the zone first reports. */
export function presentZone(row: ZoneRow) {
	return {
		id: row.id,
		name: row.name,
		gridZone: row.gridZone,
		lat: row.lat,
		lon: row.lon,
		regions: parseJsonArray(row.regions),
		locationHint: row.locationHint,
		continent: row.continent,
		defaultGco2PerKwh: row.defaultGco2PerKwh,
		enabled: row.enabled,
		status:
			row.updatedAt === null
				? null
				: {
						liveNodes: row.liveNodes,
						models: parseJsonArray(row.models),
						slots: row.slots,
						freeSlots: row.freeSlots,
						queueDepth: row.queueDepth,
						updatedAt: row.updatedAt,
					},
	};
}

/** Lists every zone of the catalogue; `status` is null until the zone's DO first reports. */
export async function listZonesHandler(c: Context<AppEnv>): Promise<Response> {
	const rows = await listZonesWithStatus(database(c.env));
	return c.json({ data: rows.map(presentZone) });
}
