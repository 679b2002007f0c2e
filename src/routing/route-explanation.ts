/**
 * The routing decision in two forms: the RoutingDecision record passed to the
 * zone with the job (src/protocol/routing-decision.ts, kept in D1), and the
 * compact one-line explanation of the x-arcnet-route response header.
 */
import type { RoutingDecision } from "../protocol/routing-decision.js";
import type { CandidateRecord, RouteContext, RoutePlan } from "./router.js";
import { recordedWeights } from "./router.js";

/** Most candidates and exclusions listed in the header (8 each); the rest are counted. */
export const MAX_LISTED = 8;

/** A zone tried before the chosen one, and why it did not take (or keep) the job. */
export interface Refusal {
	zoneId: string;
	/** A zone refusal (`no_live_node`, `queue_full`, ...), `rpc_error`, or a failure before output (`failed:<code>`). */
	reason: string;
	retryAfterMs: number;
}

/** The decision record for submitting to `chosen` after `refusals`. */
export function decisionRecord(
	context: RouteContext,
	plan: RoutePlan,
	chosen: CandidateRecord,
	refusals: readonly Refusal[],
): RoutingDecision {
	const nearest = plan.nearest ?? chosen;
	const weights = recordedWeights(plan.policy);
	return {
		policy: plan.policy.name,
		...(weights ? { weights } : {}),
		client: { lat: context.client.lat, lon: context.client.lon, source: context.client.source },
		candidates: plan.candidates.map((c) => ({
			zoneId: c.zoneId,
			estLatencyMs: round(c.estLatencyMs, 1),
			gco2PerKwh: round(c.gco2PerKwh, 1),
			carbonSource: c.carbonSource,
			...(c.gridGco2PerKwh !== undefined && c.gridGco2PerKwh !== c.gco2PerKwh
				? { gridGco2PerKwh: round(c.gridGco2PerKwh, 1) }
				: {}),
			score: round(c.score, 4),
			freeSlots: c.freeSlots,
			queueDepth: c.queueDepth,
		})),
		excluded: plan.excluded.map(({ zoneId, reason }) => ({ zoneId, reason })),
		chosenZoneId: chosen.zoneId,
		refused: refusals.map(({ zoneId, reason }) => ({ zoneId, reason })),
		nearestZoneId: nearest.zoneId,
		nearestGco2PerKwh: round(nearest.gco2PerKwh, 1),
	};
}

function round(value: number, digits: number): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}

function list<T>(items: readonly T[], show: (item: T) => string): string {
	const shown = items.slice(0, MAX_LISTED).map(show).join(",");
	return items.length > MAX_LISTED ? `${shown},+${items.length - MAX_LISTED}` : shown;
}

/**
 * `policy=carbon; chosen=eu-stockholm; candidates=eu-stockholm:0.27,eu-frankfurt:3.84; refused=eu-oslo:queue_full; excluded=us-west:region`
 * (scores to 2 decimals; sections without entries are left out).
 */
export function explain(decision: RoutingDecision, strategy: string): string {
	const parts = [`policy=${strategy}`, `chosen=${decision.chosenZoneId}`];
	if (decision.candidates.length > 0)
		parts.push(`candidates=${list(decision.candidates, (c) => `${c.zoneId}:${c.score.toFixed(2)}`)}`);
	if (decision.refused.length > 0) parts.push(`refused=${list(decision.refused, (r) => `${r.zoneId}:${r.reason}`)}`);
	if (decision.excluded.length > 0) parts.push(`excluded=${list(decision.excluded, (e) => `${e.zoneId}:${e.reason}`)}`);
	return parts.join("; ");
}
