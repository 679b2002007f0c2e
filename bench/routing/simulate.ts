/**
 * Runs an online strategy over the day and scores any assignment (online or
 * optimal) the same way: total gCO2, requests over their bound, unserved.
 */
import { requestGrams } from "./optimum.js";
import type { Scenario } from "./scenario.js";
import type { OnlineStrategy } from "./strategies.js";

/** Feeds the requests in arrival order; slots free up at each new bucket. Returns a zone index per request. */
export function runOnline(scenario: Scenario, strategy: OnlineStrategy): Int32Array {
	const choose = strategy.make(scenario);
	const assignment = new Int32Array(scenario.requests.length).fill(-1);
	const free = scenario.zones.map((z) => z.slots);
	let bucket = -1;
	scenario.requests.forEach((request, i) => {
		if (request.bucket !== bucket) {
			bucket = request.bucket;
			scenario.zones.forEach((z, index) => {
				free[index] = z.slots;
			});
		}
		const z = choose(request, free);
		if (z >= 0) {
			if ((free[z] ?? 0) <= 0) throw new Error(`${strategy.name} chose full zone ${scenario.zones[z]?.id}`);
			free[z] = (free[z] ?? 0) - 1;
		}
		assignment[i] = z;
	});
	return assignment;
}

/** The scored outcome of one assignment. */
export interface Outcome {
	totalGrams: number;
	overBound: number;
	unserved: number;
	/** Mean and 95th-percentile RTT (ms) from client to the serving zone, over served requests: what the carbon cost in latency. */
	meanRttMs: number;
	p95RttMs: number;
	/** Requests served per zone id. */
	perZone: Record<string, number>;
}

/** Scores an assignment (throws if it overfills a zone's slots); unserved requests count as over their bound and add no carbon. */
export function score(scenario: Scenario, assignment: Int32Array): Outcome {
	let totalGrams = 0;
	let overBound = 0;
	let unserved = 0;
	const perZone: Record<string, number> = {};
	const used = new Map<number, number>();
	const rtts: number[] = [];
	scenario.requests.forEach((request, i) => {
		const z = assignment[i] ?? -1;
		const zone = scenario.zones[z];
		if (z < 0 || !zone) {
			unserved++;
			overBound++;
			return;
		}
		// Every assignment, the optimum's included, must respect the same slots.
		const key = request.bucket * scenario.zones.length + z;
		const n = (used.get(key) ?? 0) + 1;
		if (n > zone.slots) throw new Error(`zone ${zone.id} over its ${zone.slots} slots in bucket ${request.bucket}`);
		used.set(key, n);
		totalGrams += requestGrams(scenario, request, z);
		const rtt = scenario.rttMs[request.cityIndex]?.[z] ?? Number.POSITIVE_INFINITY;
		if (rtt > request.boundMs) overBound++;
		rtts.push(rtt);
		perZone[zone.id] = (perZone[zone.id] ?? 0) + 1;
	});
	rtts.sort((a, b) => a - b);
	const meanRttMs = rtts.length > 0 ? rtts.reduce((sum, rtt) => sum + rtt, 0) / rtts.length : Number.NaN;
	const p95RttMs = rtts[Math.max(0, Math.ceil(0.95 * rtts.length) - 1)] ?? Number.NaN;
	return { totalGrams, overBound, unserved, meanRttMs, p95RttMs, perZone };
}
