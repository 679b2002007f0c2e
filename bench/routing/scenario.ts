/**
 * Everything one simulation run shares across strategies: zones with their
 * capacities, the client-to-zone round-trip matrix, the day's hourly carbon
 * and the requests. Every strategy, the optimum included, is scored on this
 * one object, so they face the same capacity model.
 */
import { estimateRttMs } from "../../src/geo/latency-model.js";
import { carbonDay, type ZoneCarbonDay } from "./carbon-day.js";
import type { SimCity, SimZone } from "./inputs.js";
import type { SimRequest } from "./workload.js";

/** A zone in the simulation. */
export interface ScenarioZone extends SimZone {
	/** Requests the zone can start per one-minute bucket (concurrent slots, each held for the bucket). */
	slots: number;
}

/** The shared inputs of one run. */
export interface Scenario {
	zones: ScenarioZone[];
	cities: SimCity[];
	/** rttMs[cityIndex][zoneIndex]: estimateRttMs with the Internet fibre model. */
	rttMs: number[][];
	/** gco2[zoneIndex][utcHour]. */
	gco2: number[][];
	carbon: ZoneCarbonDay[];
	requests: SimRequest[];
	/** Buckets in the day (1440 for one-minute buckets). */
	bucketCount: number;
}

/**
 * How zones are provisioned. `demand` (default): each zone gets ceil(headroom x
 * the 95th-percentile per-bucket load of the requests whose nearest zone it is),
 * at least 1: operators build near their users, and clean zones then fill up
 * at peak once routing sends them other zones' traffic. `uniform`: the same
 * number of slots everywhere.
 */
export type Provisioning = { kind: "demand"; headroom: number } | { kind: "uniform"; slots: number };

/** Options of `buildScenario`. */
export interface ScenarioOptions {
	/** Default: demand-proportional with 1.25x headroom. */
	provisioning?: Provisioning;
	/** Calendar date replayed from the traces, "MM-DD"; default "06-21". */
	monthDay?: string;
	/** Folder of the carbon traces; default data/traces. */
	tracesDir?: string;
}

/** Assembles a scenario from loaded inputs and a generated day. */
export function buildScenario(
	zones: readonly SimZone[],
	cities: readonly SimCity[],
	requests: SimRequest[],
	options: ScenarioOptions = {},
): Scenario {
	const provisioning = options.provisioning ?? { kind: "demand", headroom: 1.25 };
	const carbon = carbonDay(zones, options.monthDay ?? "06-21", options.tracesDir);
	const rttMs = cities.map((c) => zones.map((z) => estimateRttMs(c, z)));
	const slots =
		provisioning.kind === "uniform"
			? zones.map(() => provisioning.slots)
			: demandSlots(rttMs, requests, zones.length, provisioning.headroom);
	return {
		zones: zones.map((z, i) => ({ ...z, slots: slots[i] ?? 1 })),
		cities: [...cities],
		rttMs,
		gco2: carbon.map((c) => c.hourly),
		carbon,
		requests,
		bucketCount: Math.max(0, ...requests.map((r) => r.bucket)) + 1,
	};
}

/** Slots per zone from its home demand (requests whose nearest zone it is): ceil(headroom x p95 per bucket), >= 1. */
function demandSlots(
	rttMs: number[][],
	requests: readonly SimRequest[],
	zoneCount: number,
	headroom: number,
): number[] {
	const nearestOf = rttMs.map((row) => row.indexOf(Math.min(...row)));
	const bucketCount = Math.max(0, ...requests.map((r) => r.bucket)) + 1;
	const load = Array.from({ length: zoneCount }, () => new Array<number>(bucketCount).fill(0));
	for (const r of requests) {
		const z = nearestOf[r.cityIndex] ?? 0;
		const row = load[z];
		if (row) row[r.bucket] = (row[r.bucket] ?? 0) + 1;
	}
	return load.map((row) => {
		const sorted = [...row].sort((a, b) => a - b);
		const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1] ?? 0;
		return Math.max(1, Math.ceil(headroom * p95));
	});
}

/** Requests that no zone can serve within their bound even with unlimited slots: a floor for every strategy. */
export function unreachableCount(scenario: Scenario): number {
	return scenario.requests.filter((r) => !(scenario.rttMs[r.cityIndex] ?? []).some((rtt) => rtt <= r.boundMs)).length;
}
