/**
 * The router: given the requested model and the request's preferences, it
 * applies the hard constraints (constraints.ts), estimates each remaining
 * zone's latency and carbon, and orders them best-first under the policy
 * (policy.ts). The first candidate gets the job; the rest are fallbacks.
 */
import type { ClientLocation } from "./client-location.js";
import { applyConstraints, type HardConstraints } from "./constraints.js";
import { formatPolicy, policyWeights, type RoutingPolicy, rankZones } from "./policy.js";
import type { Directory } from "./zone-directory.js";

/** What a router may weigh about one request. */
export interface RouteContext extends HardConstraints {
	tenantId: string;
	policy: RoutingPolicy;
	/** Where the policy came from: header, body, tenant or default (for the record). */
	policySource: "header" | "body" | "tenant" | "default";
	client: ClientLocation;
	/** Expected output tokens (the request's max_tokens), which size the scarcity price; absent: median size. */
	expectedTokens?: number;
}

/** One zone considered for a job, with the figures the decision used. */
export interface CandidateRecord {
	zoneId: string;
	locationHint: string;
	estLatencyMs: number;
	gco2PerKwh: number;
	carbonSource: string;
	/** The grid's figure before nodes' declared supply was weighed in; absent: gco2PerKwh. */
	gridGco2PerKwh?: number;
	/** Policy score; lower is better. */
	score: number;
	freeSlots: number;
	queueDepth: number;
}

/** The router's answer: candidates in the order to try them, and what the record needs. */
export interface RoutePlan {
	/** The policy as headers show it (`balanced`, `weights:latency=0.3,carbon=0.7`). */
	strategy: string;
	policy: RoutingPolicy;
	candidates: CandidateRecord[];
	/** Zones left out by a hard constraint, and which one. */
	excluded: { zoneId: string; reason: string }[];
	/** The candidate with the lowest estimated latency: the "carbon avoided" baseline. */
	nearest: CandidateRecord | null;
}

/** A routing strategy. Pure: it reads the directory it is given and nothing else. */
export interface Router {
	route(context: RouteContext, directory: Directory): RoutePlan;
}

/** Hard constraints, then rankZones under the request's policy. */
export const policyRouter: Router = {
	route(context, directory) {
		const { eligible, excluded } = applyConstraints(directory.zones, context, context.client);
		const byId = new Map(eligible.map((e) => [e.zone.zoneId, e.zone]));
		const ranked = rankZones(
			eligible.map((e) => ({
				zoneId: e.zone.zoneId,
				estLatencyMs: e.estLatencyMs,
				gco2PerKwh: e.zone.gco2PerKwh,
				freeSlots: e.zone.freeSlots,
				slots: e.zone.slots,
			})),
			context.policy,
			context.expectedTokens === undefined ? {} : { expectedTokens: context.expectedTokens },
		);
		const candidates: CandidateRecord[] = ranked.map((r) => {
			const zone = byId.get(r.zoneId);
			return {
				zoneId: r.zoneId,
				locationHint: zone?.locationHint ?? "",
				estLatencyMs: r.estLatencyMs,
				gco2PerKwh: r.gco2PerKwh,
				carbonSource: zone?.carbonSource ?? "static",
				...(zone?.gridGco2PerKwh !== undefined ? { gridGco2PerKwh: zone.gridGco2PerKwh } : {}),
				score: r.score,
				freeSlots: r.freeSlots,
				queueDepth: zone?.queueDepth ?? 0,
			};
		});
		const nearest = rankZones(ranked, { name: "latency" })[0];
		return {
			strategy: formatPolicy(context.policy),
			policy: context.policy,
			candidates,
			excluded,
			nearest: candidates.find((c) => c.zoneId === nearest?.zoneId) ?? null,
		};
	},
};

/** The weights recorded with a decision (only `weights` policies carry explicit ones). */
export function recordedWeights(policy: RoutingPolicy): { latency: number; carbon: number } | undefined {
	return policy.name === "weights" ? policyWeights(policy) : undefined;
}
