/**
 * The offline optimum: the assignment of the whole day that first minimises
 * the number of requests over their latency bound and then, among those,
 * the total gCO2, subject to every zone's slots in every bucket. A request
 * lasts at most one bucket (workload.ts), so buckets are independent and each
 * is a transportation problem: requests -> zones -> sink, solved exactly by
 * min-cost flow. Over-bound arcs carry a penalty larger than any bucket's
 * total carbon, which makes the objective lexicographic.
 */
import { FlowNetwork } from "./min-cost-flow.js";
import type { Scenario } from "./scenario.js";
import type { SimRequest } from "./workload.js";

/** gCO2 of serving `request` in zone `z`. */
export function requestGrams(scenario: Scenario, request: SimRequest, z: number): number {
	return request.energyKwh * (scenario.gco2[z]?.[request.hour] ?? Number.POSITIVE_INFINITY);
}

function withinBound(scenario: Scenario, request: SimRequest, z: number): boolean {
	return (scenario.rttMs[request.cityIndex]?.[z] ?? Number.POSITIVE_INFINITY) <= request.boundMs;
}

/** The cheapest zone within the bound for each request, ignoring capacity (-1 when none is within). */
function unconstrainedChoice(scenario: Scenario, bucket: readonly number[]): number[] {
	return bucket.map((i) => {
		const request = scenario.requests[i];
		if (!request) return -1;
		let best = -1;
		for (let z = 0; z < scenario.zones.length; z++) {
			if (!withinBound(scenario, request, z)) continue;
			if (best < 0 || requestGrams(scenario, request, z) < requestGrams(scenario, request, best)) best = z;
		}
		return best;
	});
}

/** Solves one bucket (request indices into scenario.requests); returns a zone index per request, -1 if unserved. */
export function solveBucket(scenario: Scenario, bucket: readonly number[]): number[] {
	const zoneCount = scenario.zones.length;
	// When every request fits in its cheapest in-bound zone, that choice is optimal and no flow is needed.
	const greedy = unconstrainedChoice(scenario, bucket);
	const load = new Array<number>(zoneCount).fill(0);
	for (const z of greedy) if (z >= 0) load[z] = (load[z] ?? 0) + 1;
	if (greedy.every((z) => z >= 0) && load.every((n, z) => n <= (scenario.zones[z]?.slots ?? 0))) return greedy;

	const source = 0;
	const firstZone = bucket.length + 1;
	const sink = firstZone + zoneCount;
	const network = new FlowNetwork(sink + 1);
	let penalty = 1;
	for (const i of bucket) {
		const request = scenario.requests[i];
		if (!request) continue;
		for (let z = 0; z < zoneCount; z++) penalty += requestGrams(scenario, request, z);
	}
	const arcs: { requestSlot: number; zone: number; arc: number }[] = [];
	bucket.forEach((i, slot) => {
		const request = scenario.requests[i];
		if (!request) return;
		network.addArc(source, slot + 1, 1, 0);
		for (let z = 0; z < zoneCount; z++) {
			const cost = requestGrams(scenario, request, z) + (withinBound(scenario, request, z) ? 0 : penalty);
			arcs.push({ requestSlot: slot, zone: z, arc: network.addArc(slot + 1, firstZone + z, 1, cost) });
		}
	});
	scenario.zones.forEach((zone, z) => {
		network.addArc(firstZone + z, sink, zone.slots, 0);
	});
	network.minCostFlow(source, sink, bucket.length);
	const choice = new Array<number>(bucket.length).fill(-1);
	for (const { requestSlot, zone, arc } of arcs) if (network.flowOn(arc) > 0) choice[requestSlot] = zone;
	return choice;
}

/**
 * The optimum's zone index for every request of the day (-1 where no slot was left anywhere).
 * `lengthBlind`: solve as if every request used the day's mean energy (it still sees every
 * arrival), a reference for what is lost by not knowing output lengths in advance.
 */
export function solveOptimum(scenario: Scenario, lengthBlind = false): Int32Array {
	if (lengthBlind) {
		const mean = scenario.requests.reduce((sum, r) => sum + r.energyKwh, 0) / Math.max(1, scenario.requests.length);
		return solveOptimum({ ...scenario, requests: scenario.requests.map((r) => ({ ...r, energyKwh: mean })) });
	}
	const byBucket: number[][] = Array.from({ length: scenario.bucketCount }, () => []);
	scenario.requests.forEach((r, i) => {
		byBucket[r.bucket]?.push(i);
	});
	const assignment = new Int32Array(scenario.requests.length).fill(-1);
	for (const bucket of byBucket) {
		const choice = solveBucket(scenario, bucket);
		bucket.forEach((i, slot) => {
			assignment[i] = choice[slot] ?? -1;
		});
	}
	return assignment;
}
