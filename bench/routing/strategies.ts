/**
 * The online strategies compared by the benchmark. Each sees requests one at
 * a time, in arrival order, with the free slots of the current bucket, and
 * never the future: the offline optimum (optimum.ts) is the only one that
 * sees the whole bucket at once.
 */
import type { RoutingPolicy } from "../../src/routing/policy.js";
import { type MaxTokensMode, routeOne } from "./router-decision.js";
import type { Scenario } from "./scenario.js";
import type { SimRequest } from "./workload.js";

/** Picks a zone index for one request, or -1 when every zone is full. */
export type Choose = (request: SimRequest, free: readonly number[]) => number;

/** A named online strategy; `make` returns a fresh chooser (strategies may keep state, e.g. round robin). */
export interface OnlineStrategy {
	name: string;
	make(scenario: Scenario): Choose;
}

/** The zone index with free slots minimising `key`, or -1; ties go to the lower index. */
function argminFree(free: readonly number[], key: (zoneIndex: number) => number): number {
	let best = -1;
	let bestKey = Number.POSITIVE_INFINITY;
	for (let z = 0; z < free.length; z++) {
		if ((free[z] ?? 0) <= 0) continue;
		const k = key(z);
		if (k < bestKey) {
			best = z;
			bestKey = k;
		}
	}
	return best;
}

/** Nearest zone by estimated RTT; when it is full, the next nearest (ignores carbon and the bound). */
export const nearest: OnlineStrategy = {
	name: "nearest",
	make: (s) => (r, free) => argminFree(free, (z) => s.rttMs[r.cityIndex]?.[z] ?? Number.POSITIVE_INFINITY),
};

/** Plain round robin over all zones with a free slot (ignores latency, bound and carbon). */
export const roundRobin: OnlineStrategy = {
	name: "round-robin",
	make: () => {
		let next = 0;
		return (_r, free) => {
			for (let step = 0; step < free.length; step++) {
				const z = (next + step) % free.length;
				if ((free[z] ?? 0) > 0) {
					next = z + 1;
					return z;
				}
			}
			return -1;
		};
	},
};

/** Lowest carbon intensity right now among zones with a free slot (ignores latency and the bound). */
export const carbonGreedy: OnlineStrategy = {
	name: "carbon-greedy",
	make: (s) => (r, free) => argminFree(free, (z) => s.gco2[z]?.[r.hour] ?? Number.POSITIVE_INFINITY),
};

/** Row suffix per max_tokens mode: `router:<policy>`, `router:<policy>/max-tokens-cap`, `router:<policy>/no-max-tokens`. */
const MODE_SUFFIX: Record<MaxTokensMode, string> = { exact: "", cap: "/max-tokens-cap", none: "/no-max-tokens" };

/**
 * The router: hard constraints (bound, free slot), then rankZones with `policy`, as the Worker does.
 * `maxTokens` (default "exact") is what the request's max_tokens says about its output length
 * (router-decision.ts `expectedTokensFor`).
 */
export function routerStrategy(policy: RoutingPolicy, maxTokens: MaxTokensMode = "exact"): OnlineStrategy {
	const label = policy.name === "weights" ? `weights(${policy.latency},${policy.carbon})` : policy.name;
	return {
		name: `router:${label}${MODE_SUFFIX[maxTokens]}`,
		make: (s) => (r, free) => routeOne(s, r, free, policy, maxTokens),
	};
}
