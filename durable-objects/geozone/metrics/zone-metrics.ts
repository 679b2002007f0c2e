/**
 * The answer of GeozoneDO's `metrics` RPC: the zone's load now (as its
 * summary computes it), each live node's last readings, and the stored
 * counters and histograms.
 */
import { liveNodes } from "../nodes/node-table.js";
import { nodeTelemetry } from "../nodes/zone-power.js";
import { zoneLoad } from "../summary.js";
import type { ZoneState } from "../zone-state.js";
import type { NodeMetrics, ZoneMetrics } from "./contract.js";
import { readCounters, readHistograms } from "./metric-store.js";

/** The zone's metrics now; a node with no telemetry yet reports no GPU. */
export function zoneMetrics(state: ZoneState, zoneId: string): ZoneMetrics {
	const now = state.now();
	const nodes: NodeMetrics[] = liveNodes(state).map((node) => {
		const telemetry = nodeTelemetry(node);
		return {
			nodeId: node.node_id,
			slots: node.slots,
			tokensPerSecond: telemetry?.tokensPerSecond ?? 0,
			telemetryAgeS: Math.max(0, (now - (telemetry?.at ?? node.last_seen_at)) / 1000),
			gpus: (telemetry?.gpus ?? []).map((gpu) => ({
				index: gpu.index,
				utilizationPct: gpu.utilizationPct,
				memoryUsedMiB: gpu.memoryUsedMiB,
				memoryTotalMiB: gpu.memoryTotalMiB,
				temperatureC: gpu.temperatureC,
				powerDrawW: gpu.powerDrawW,
				powerLimitW: gpu.powerLimitW,
			})),
		};
	});
	const load = zoneLoad(state);
	return {
		zoneId,
		liveNodes: nodes.length,
		slots: load.slots,
		freeSlots: load.freeSlots,
		queueDepth: load.queueDepth,
		nodes,
		counters: readCounters(state.sql),
		histograms: readHistograms(state.sql),
	};
}
