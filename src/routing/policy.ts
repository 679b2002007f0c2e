/**
 * Routing policies and the score they give a zone. Pure (no I/O), so the
 * Worker's router and the routing-quality benchmark rank zones the same way.
 *
 *   score = (wL × estLatencyMs / 100 ms + wC × (gco2PerKwh + scarcity) / 100 g/kWh) / (wL + wC)
 *
 * Lower is better; `scarcity` is scarcity-price.ts, and latency bounds are
 * hard constraints applied before ranking (constraints.ts). `balanced` is
 * wL : wC = 1 : 3. Why these scales and weights: ADR 0009 and docs/routing.md.
 */
import { scarcityPrice } from "./scarcity-price.js";

/** A routing policy: a named preset or explicit weights. */
export type RoutingPolicy =
	| { name: "latency" }
	| { name: "carbon" }
	| { name: "balanced" }
	| { name: "weights"; latency: number; carbon: number };

/** The two figures the score weighs, plus the capacity the constraints checked. */
export interface ZoneFigures {
	zoneId: string;
	estLatencyMs: number;
	gco2PerKwh: number;
	freeSlots: number;
	/** The zone's total slots; with freeSlots it sets the scarcity price. Absent: no price. */
	slots?: number;
}

/** What the score may know about the request itself (all optional). */
export interface RequestFigures {
	/** Expected output tokens (the request's max_tokens); sets how much of the scarcity price it pays. */
	expectedTokens?: number;
}

/** A zone with its policy score (lower is better). */
export interface ScoredZone extends ZoneFigures {
	score: number;
	/** Scarcity price added to gco2PerKwh in the carbon term, g/kWh (0 without slots). */
	scarcityGco2PerKwh: number;
}

/** Latency reference scale: 100 ms counts as 1 unit of score. */
export const LATENCY_SCALE_MS = 100;

/** Carbon reference scale: 100 gCO2eq/kWh counts as 1 unit of score. */
export const CARBON_SCALE_GCO2_PER_KWH = 100;

/**
 * Weights of `balanced`: 1 : 3, i.e. 3 ms of estimated latency weigh as much as 1 g/kWh (ADR 0009;
 * the most latency-leaning integer ratio that meets the routing target on every benchmarked date and seed).
 */
export const BALANCED_WEIGHTS = { latency: 0.25, carbon: 0.75 } as const;

/** The policy used when neither the request nor the tenant names one. */
export const DEFAULT_POLICY: RoutingPolicy = { name: "balanced" };

/** The (latency, carbon) weights a policy stands for. */
export function policyWeights(policy: RoutingPolicy): { latency: number; carbon: number } {
	switch (policy.name) {
		case "latency":
			return { latency: 1, carbon: 0 };
		case "carbon":
			return { latency: 0, carbon: 1 };
		case "balanced":
			return { ...BALANCED_WEIGHTS };
		case "weights":
			return { latency: policy.latency, carbon: policy.carbon };
	}
}

/** The score of one zone under `weights` (see the module comment); `scarcity` defaults to 0. */
export function scoreZone(zone: ZoneFigures, weights: { latency: number; carbon: number }, scarcity = 0): number {
	const total = weights.latency + weights.carbon;
	// Parsing rejects all-zero weights; guard anyway so a score is never NaN.
	if (!(total > 0)) return 0;
	const latency = zone.estLatencyMs / LATENCY_SCALE_MS;
	const carbon = (zone.gco2PerKwh + scarcity) / CARBON_SCALE_GCO2_PER_KWH;
	return (weights.latency * latency + weights.carbon * carbon) / total;
}

/**
 * Orders zones best-first (lowest score) under a policy; ties by latency then zoneId.
 * Under `latency` a tie in latency is broken by carbon before zoneId, so
 * carbon still counts when it costs nothing.
 * `request` sizes the scarcity price; without it a request counts as median size.
 * @example rankZones(zones, { name: "carbon" })[0]?.zoneId // the cleanest zone with room
 */
export function rankZones(
	zones: readonly ZoneFigures[],
	policy: RoutingPolicy,
	request: RequestFigures = {},
): ScoredZone[] {
	const weights = policyWeights(policy);
	const scored = zones.map((zone) => {
		const scarcity = weights.carbon > 0 ? scarcityPrice(zone, request.expectedTokens) : 0;
		return { ...zone, scarcityGco2PerKwh: scarcity, score: scoreZone(zone, weights, scarcity) };
	});
	scored.sort(
		(a, b) =>
			a.score - b.score ||
			a.estLatencyMs - b.estLatencyMs ||
			a.gco2PerKwh - b.gco2PerKwh ||
			(a.zoneId < b.zoneId ? -1 : a.zoneId > b.zoneId ? 1 : 0),
	);
	return scored;
}

/** `latency`, `carbon`, `balanced` or `weights:latency=0.3,carbon=0.7`, as headers and records show it. */
export function formatPolicy(policy: RoutingPolicy): string {
	if (policy.name !== "weights") return policy.name;
	return `weights:latency=${policy.latency},carbon=${policy.carbon}`;
}
