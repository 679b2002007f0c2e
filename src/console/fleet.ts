/**
 * GET /console/api/fleet: every geozone with its carbon signal and live
 * capacity (D1 `geozones`, `carbon_signals`, `zone_status`), and every node
 * with D1's enrolment record merged with what its zone's object sees now.
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env.js";
import { log } from "../protocol/log-line.js";
import type { ZoneNodeView } from "../protocol/zone-node-view.js";
import { geozoneStub } from "../routing/geozone-stub.js";

interface ZoneRow {
	id: string;
	name: string;
	lat: number;
	lon: number;
	enabled: number;
	regions: string;
	continent: string;
	defaultGco2PerKwh: number;
	liveNodes: number | null;
	slots: number | null;
	freeSlots: number | null;
	queueDepth: number | null;
	queueWaitMs: number | null;
	ttftMs: number | null;
	powerW: number | null;
	statusAt: number | null;
	gco2PerKwh: number | null;
	carbonSource: string | null;
	observedAt: number | null;
	fetchedAt: number | null;
	lastError: string | null;
}

interface NodeRow {
	id: string;
	name: string;
	zoneId: string;
	status: string;
	agentVersion: string;
	gpuModel: string | null;
	enrolledAt: number;
}

const ZONES_SQL = `SELECT g.id, g.name, g.lat, g.lon, g.enabled, g.regions, g.continent,
  g.default_gco2_per_kwh AS defaultGco2PerKwh,
  s.live_nodes AS liveNodes, s.slots, s.free_slots AS freeSlots, s.queue_depth AS queueDepth,
  s.queue_wait_ms AS queueWaitMs, s.ttft_ms AS ttftMs, s.power_w AS powerW, s.updated_at AS statusAt,
  c.gco2_per_kwh AS gco2PerKwh, c.source AS carbonSource, c.observed_at AS observedAt,
  c.fetched_at AS fetchedAt, c.last_error AS lastError
FROM geozones g
LEFT JOIN zone_status s ON s.zone_id = g.id
LEFT JOIN carbon_signals c ON c.zone_id = g.id
ORDER BY g.id`;

const NODES_SQL = `SELECT id, name, zone_id AS zoneId, status, agent_version AS agentVersion,
  gpu_model AS gpuModel, enrolled_at AS enrolledAt FROM nodes ORDER BY zone_id, name`;

function positive(value: string | undefined, fallback: number): number {
	const n = Number(value);
	return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** The fleet now: zones (with carbon signal and capacity) and nodes (with live telemetry). */
export async function fleetHandler(c: Context<AppEnv>): Promise<Response> {
	const now = Date.now();
	const carbonMaxAgeMs = positive(c.env.CARBON_MAX_AGE_MS, 21_600_000);
	const nodeLiveMs = positive(c.env.NODE_LIVE_MS, 20_000);
	const [zones, nodes] = await Promise.all([
		c.env.DB.prepare(ZONES_SQL).all<ZoneRow>(),
		c.env.DB.prepare(NODES_SQL).all<NodeRow>(),
	]);
	const zonesWithNodes = [...new Set(nodes.results.map((n) => n.zoneId))];
	const views = new Map<string, ZoneNodeView>();
	const unreachable: string[] = [];
	await Promise.all(
		zonesWithNodes.map(async (zoneId) => {
			try {
				for (const view of await geozoneStub(c.env, zoneId).nodeViews(zoneId)) views.set(view.nodeId, view);
			} catch (error) {
				log("error", "console_node_views_failed", { zone: zoneId, error });
				unreachable.push(zoneId);
			}
		}),
	);
	return c.json({
		at: now,
		nodeLiveMs,
		unreachableZones: unreachable.sort(),
		zones: zones.results.map((z) => {
			const measured = z.gco2PerKwh !== null;
			return {
				id: z.id,
				name: z.name,
				lat: z.lat,
				lon: z.lon,
				enabled: z.enabled === 1,
				regions: JSON.parse(z.regions) as string[],
				continent: z.continent,
				liveNodes: z.liveNodes ?? 0,
				nodes: nodes.results.filter((n) => n.zoneId === z.id && n.status === "active").length,
				slots: z.slots ?? 0,
				freeSlots: z.freeSlots ?? 0,
				queueDepth: z.queueDepth ?? 0,
				queueWaitMs: z.queueWaitMs,
				ttftMs: z.ttftMs,
				powerW: z.powerW,
				statusAt: z.statusAt,
				carbon: {
					gco2PerKwh: z.gco2PerKwh ?? z.defaultGco2PerKwh,
					source: measured ? z.carbonSource : "catalogue default",
					observedAt: z.observedAt,
					fetchedAt: z.fetchedAt,
					stale: !measured || z.observedAt === null || now - z.observedAt > carbonMaxAgeMs,
					lastError: z.lastError,
				},
			};
		}),
		nodes: nodes.results.map((n) => {
			const view = views.get(n.id);
			const telemetry = view?.telemetry ?? null;
			const gpu = telemetry?.gpus[0] ?? null;
			return {
				id: n.id,
				name: n.name,
				zoneId: n.zoneId,
				status: n.status,
				agentVersion: n.agentVersion,
				gpuModel: n.gpuModel ?? gpu?.name ?? null,
				live: view?.live ?? false,
				lastSeenAt: view?.lastSeenAt ?? null,
				slots: view?.slots ?? 0,
				busySlots: view?.busySlots ?? 0,
				models: view?.models ?? [],
				power: telemetry?.power?.source ?? "grid",
				telemetryAt: telemetry?.at ?? null,
				telemetryStale: telemetry === null || now - telemetry.at > nodeLiveMs,
				gpuUtilPct: gpu?.utilizationPct ?? null,
				vramUsedMiB: gpu?.memoryUsedMiB ?? null,
				vramTotalMiB: gpu?.memoryTotalMiB ?? null,
				temperatureC: gpu?.temperatureC ?? null,
				powerDrawW: telemetry ? telemetry.gpus.reduce((sum, g) => sum + (g.powerDrawW ?? 0), 0) : null,
				tokensPerSecond: telemetry?.tokensPerSecond ?? null,
				backendProblem: telemetry?.backendProblem ?? null,
			};
		}),
	});
}
