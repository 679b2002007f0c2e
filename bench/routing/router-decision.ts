/**
 * One routing decision as the Worker makes it: keep the zones that meet the
 * hard constraints (estimated RTT within the request's bound, a free slot),
 * then let the router's pure ranking (src/routing/policy.ts) order them and
 * take the best. The simulation and the micro-benchmark both call this.
 */
import { estimateRttMs } from "../../src/geo/latency-model.js";
import { type RequestFigures, type RoutingPolicy, rankZones, type ZoneFigures } from "../../src/routing/policy.js";
import type { Scenario } from "./scenario.js";
import type { SimRequest } from "./workload.js";

/** The best zone id among `zones` within `boundMs` with a free slot, or null when none qualifies; `request` as the Worker passes it. */
export function pickWithinBound(
	zones: readonly ZoneFigures[],
	boundMs: number,
	policy: RoutingPolicy,
	request: RequestFigures = {},
): string | null {
	const eligible = zones.filter((z) => z.estLatencyMs <= boundMs && z.freeSlots > 0);
	if (eligible.length === 0) return null;
	return rankZones(eligible, policy, request)[0]?.zoneId ?? null;
}

/** What the edge knows about a zone: an aggregate of its nodes' telemetry, one row per zone. */
export interface ZoneSummary {
	zoneId: string;
	lat: number;
	lon: number;
	gco2PerKwh: number;
	freeSlots: number;
	/** The zone's total slots (zone_status.slots); absent: no scarcity price. */
	slots?: number;
}

/** A full decision from a client location: latency estimates for every zone, then pickWithinBound. */
export function decide(
	client: { lat: number; lon: number },
	boundMs: number,
	zones: readonly ZoneSummary[],
	policy: RoutingPolicy,
): string | null {
	const figures: ZoneFigures[] = zones.map((z) => ({
		zoneId: z.zoneId,
		estLatencyMs: estimateRttMs(client, z),
		gco2PerKwh: z.gco2PerKwh,
		freeSlots: z.freeSlots,
		...(z.slots !== undefined ? { slots: z.slots } : {}),
	}));
	return pickWithinBound(figures, boundMs, policy);
}

/**
 * What a request's max_tokens tells the router (RequestFigures.expectedTokens):
 * - `exact`: max_tokens equals the real output length (the best case);
 * - `cap`: max_tokens is a ceiling, the real length rounded up to the first of
 *   MAX_TOKENS_CAPS that holds it (256, 512, 1024, 2048), as clients set it;
 * - `none`: no max_tokens (priced as a median request).
 */
export type MaxTokensMode = "exact" | "cap" | "none";

/** The ceilings clients typically send as max_tokens, smallest first. */
export const MAX_TOKENS_CAPS: readonly number[] = [256, 512, 1024, 2048];

/** The max_tokens the simulated client sends for a request of `outputTokens`, or undefined for `none`. */
export function expectedTokensFor(outputTokens: number, mode: MaxTokensMode): number | undefined {
	if (mode === "none") return undefined;
	if (mode === "exact") return outputTokens;
	return MAX_TOKENS_CAPS.find((cap) => cap >= outputTokens) ?? MAX_TOKENS_CAPS[MAX_TOKENS_CAPS.length - 1];
}

/**
 * The simulation's router step: the zone index chosen for `request`. When no
 * zone meets the bound with a free slot, the Worker would refuse the job; the
 * simulation serves it at the nearest zone with a free slot and counts it
 * over its bound, so every strategy serves the same requests. -1 if all are full.
 */
export function routeOne(
	scenario: Scenario,
	request: SimRequest,
	free: readonly number[],
	policy: RoutingPolicy,
	maxTokens: MaxTokensMode = "exact",
): number {
	const rtt = scenario.rttMs[request.cityIndex] ?? [];
	const figures: ZoneFigures[] = scenario.zones.map((zone, z) => ({
		zoneId: zone.id,
		estLatencyMs: rtt[z] ?? Number.POSITIVE_INFINITY,
		gco2PerKwh: scenario.gco2[z]?.[request.hour] ?? Number.POSITIVE_INFINITY,
		freeSlots: free[z] ?? 0,
		slots: zone.slots,
	}));
	// The Worker passes max_tokens as expectedTokens.
	const expectedTokens = expectedTokensFor(request.outputTokens, maxTokens);
	const expected = expectedTokens === undefined ? {} : { expectedTokens };
	const picked = pickWithinBound(figures, request.boundMs, policy, expected);
	if (picked !== null) return scenario.zones.findIndex((zone) => zone.id === picked);
	let nearest = -1;
	for (let z = 0; z < free.length; z++) {
		if ((free[z] ?? 0) > 0 && (nearest < 0 || (rtt[z] ?? 0) < (rtt[nearest] ?? 0))) nearest = z;
	}
	return nearest;
}
