/**
 * Hard constraints: which zones may take a job at all, before any policy
 * ranks them. A zone qualifies when it has a live node serving the model on
 * the request's endpoint and with the content parts it carries, capacity, one of the request's region tags and one of its API key's
 * region tags (two separate checks, so a key limited to `eu` may still ask
 * for `de`), and an estimated latency within the request's bound. Each left-out zone is recorded with the first
 * constraint it failed, so the decision explains itself.
 */
import { estimateRttMs } from "../geo/latency-model.js";
import type { InputModality, OpenAiEndpoint } from "../protocol/model-serving.js";
import type { ClientLocation } from "./client-location.js";
import { servesRequest, servingOf } from "./model-details.js";
import type { DirectoryZone } from "./zone-directory.js";

/** Why a zone was left out: the first constraint, in this order, it failed. */
export type ExclusionReason = "region" | "no_live_node" | "model" | "endpoint" | "input" | "capacity" | "max_latency";

/** The request's hard constraints. */
export interface HardConstraints {
	model: string;
	/** The client endpoint the job runs on (the path after /v1/); absent: chat/completions. */
	endpoint?: OpenAiEndpoint;
	/** Content part types beyond text the request carries (e.g. `image_url`); a zone's node must take them all. */
	inputs?: readonly InputModality[];
	/** Region tags (e.g. `eu`, `de`); a zone qualifies if it carries one of them. Absent or empty: every region qualifies. */
	regions?: readonly string[];
	/** The API key's allowed region tags: a zone must also carry one of them. Absent: no key restriction; empty: no zone qualifies. */
	allowedRegions?: readonly string[];
	/** Upper bound (ms) on the zone's estimated latency; absent: no bound. */
	maxLatencyMs?: number;
}

/** A qualifying zone with the figures the policy weighs. */
export interface EligibleZone {
	zone: DirectoryZone;
	/** Client round trip (fibre model) + queue wait + time to first token, in ms. */
	estLatencyMs: number;
}

/** The zones that qualify, and those left out with their reason. */
export interface ConstraintResult {
	eligible: EligibleZone[];
	excluded: { zoneId: string; reason: ExclusionReason }[];
}

/**
 * True when the zone can take one more job soon: a free slot, or a queue
 * shorter than its slot count (the queued jobs start within one round of the
 * running ones, and queue_wait_ms already prices that wait into latency).
 */
export function hasCapacity(zone: DirectoryZone): boolean {
	return zone.freeSlots > 0 || zone.queueDepth < zone.slots;
}

/** Estimated latency (ms) from the client to the zone's first token. */
export function estimateZoneLatencyMs(client: ClientLocation, zone: DirectoryZone): number {
	return estimateRttMs(client, { lat: zone.lat, lon: zone.lon }) + zone.queueWaitMs + zone.ttftMs;
}

/** True when a zone with tags `zoneRegions` meets both the request's and the key's region constraints. */
export function regionsQualify(
	zoneRegions: readonly string[],
	constraints: Pick<HardConstraints, "regions" | "allowedRegions">,
): boolean {
	const { regions, allowedRegions } = constraints;
	if (regions && regions.length > 0 && !regions.some((r) => zoneRegions.includes(r))) return false;
	return allowedRegions === undefined || allowedRegions.some((r) => zoneRegions.includes(r));
}

function exclusion(zone: DirectoryZone, constraints: HardConstraints, estLatencyMs: number): ExclusionReason | null {
	if (!regionsQualify(zone.regions, constraints)) return "region";
	if (zone.liveNodes <= 0) return "no_live_node";
	const serving = servingOf(zone, constraints.model);
	if (!serving) return "model";
	const serves = servesRequest(serving, constraints.endpoint ?? "chat/completions", constraints.inputs);
	if (!serves.endpoint) return "endpoint";
	if (!serves.inputs) return "input";
	if (!hasCapacity(zone)) return "capacity";
	if (constraints.maxLatencyMs !== undefined && estLatencyMs > constraints.maxLatencyMs) return "max_latency";
	return null;
}

/** Applies the hard constraints to every zone of the directory. */
export function applyConstraints(
	zones: readonly DirectoryZone[],
	constraints: HardConstraints,
	client: ClientLocation,
): ConstraintResult {
	const eligible: EligibleZone[] = [];
	const excluded: ConstraintResult["excluded"] = [];
	for (const zone of zones) {
		// Zones that never reported have no node; listing them would bury the informative exclusions.
		if (zone.updatedAt <= 0) continue;
		const estLatencyMs = estimateZoneLatencyMs(client, zone);
		const reason = exclusion(zone, constraints, estLatencyMs);
		if (reason) excluded.push({ zoneId: zone.zoneId, reason });
		else eligible.push({ zone, estLatencyMs });
	}
	return { eligible, excluded };
}
