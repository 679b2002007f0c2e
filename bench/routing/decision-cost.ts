/**
 * Micro-benchmark: the cost of one routing decision (latency estimates, hard
 * constraints, rankZones) as the number of zones grows, and for the same
 * zones fed by few or many nodes. The router reads one summary row per zone
 * (nodes are folded into it when telemetry arrives), so node count must not
 * change the cost; this measures that rather than assuming it.
 */
import type { RoutingPolicy } from "../../src/routing/policy.js";
import type { SimCity } from "./inputs.js";
import { mulberry32, type Random } from "./prng.js";
import { decide, type ZoneSummary } from "./router-decision.js";

/** One measured configuration. */
export interface DecisionCost {
	zones: number;
	nodes: number;
	policy: string;
	/** Median over batches of (batch time / decisions in batch), microseconds. */
	medianUs: number;
	/** Median divided by the zone count, nanoseconds. */
	nsPerZone: number;
}

/** Slots per simulated node (its free slots are drawn in 0..3 of them). */
const NODE_SLOTS = 4;

/** A node's telemetry as the zone's DO sees it: its free slots. */
interface NodeReport {
	zoneIndex: number;
	freeSlots: number;
}

/** Folds node reports into one summary per zone (what the edge's zone directory holds). */
function summarise(zoneCount: number, nodes: readonly NodeReport[], random: Random): ZoneSummary[] {
	const zones: ZoneSummary[] = Array.from({ length: zoneCount }, (_, i) => ({
		zoneId: `zone-${String(i).padStart(4, "0")}`,
		lat: Math.asin(2 * random() - 1) * (180 / Math.PI),
		lon: random() * 360 - 180,
		gco2PerKwh: 20 + random() * 700,
		freeSlots: 0,
		slots: 0,
	}));
	for (const node of nodes) {
		const zone = zones[node.zoneIndex];
		if (!zone) continue;
		zone.freeSlots += node.freeSlots;
		zone.slots = (zone.slots ?? 0) + NODE_SLOTS;
	}
	return zones;
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * Times `decide` for `zoneCount` zones aggregated from `nodeCount` nodes: a warm-up, then
 * 21 batches of enough decisions for about 20,000 zone evaluations each; reports the median.
 */
export function measureDecision(
	zoneCount: number,
	nodeCount: number,
	policy: RoutingPolicy,
	clients: readonly SimCity[],
): DecisionCost {
	const random = mulberry32(7 + zoneCount);
	const nodes: NodeReport[] = Array.from({ length: nodeCount }, (_, i) => ({
		zoneIndex: i % zoneCount,
		freeSlots: Math.floor(random() * 4),
	}));
	const zones = summarise(zoneCount, nodes, mulberry32(11 + zoneCount));
	const perBatch = Math.max(20, Math.round(20_000 / zoneCount));
	let sink = 0;
	const batch = (): number => {
		const started = process.hrtime.bigint();
		for (let i = 0; i < perBatch; i++) {
			const client = clients[i % clients.length] ?? { lat: 0, lon: 0 };
			// 250 ms keeps most zones in bound, so rankZones sees a large candidate list (the costly case).
			if (decide(client, 250, zones, policy) !== null) sink++;
		}
		return Number(process.hrtime.bigint() - started) / 1000 / perBatch;
	};
	for (let i = 0; i < 5; i++) batch();
	const samples = Array.from({ length: 21 }, batch);
	if (sink < 0) throw new Error("unreachable: keeps the decisions from being optimised away");
	const medianUs = median(samples);
	return {
		zones: zoneCount,
		nodes: nodeCount,
		policy: policy.name,
		medianUs,
		nsPerZone: (medianUs * 1000) / zoneCount,
	};
}

/** The grid the report prints: 10, 100 and 1,000 zones, each fed by one node per zone and by 10,000 nodes. */
export function measureDecisionGrid(clients: readonly SimCity[], policy: RoutingPolicy): DecisionCost[] {
	const results: DecisionCost[] = [];
	for (const zones of [10, 100, 1000]) {
		for (const nodes of [zones, 10_000]) results.push(measureDecision(zones, nodes, policy, clients));
	}
	return results;
}
