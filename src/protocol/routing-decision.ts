/**
 * The routing decision the Worker makes for a job and passes to the zone with
 * it. The GeozoneDO records it in D1 `jobs` (the `routing` JSON plus the
 * flattened columns operators query: policy, est_latency_ms,
 * zone_gco2_per_kwh, nearest_zone_id, nearest_gco2_per_kwh). One schema, so
 * the producer (src/routing) and the consumer (durable-objects) agree.
 */
import * as z from "zod";

/** One zone the router weighed, with the figures it used. */
export const routingCandidateSchema = z.object({
	zoneId: z.string(),
	/** Estimated client round trip plus the zone's queue wait and time to first token (ms). */
	estLatencyMs: z.number().min(0),
	/** Effective carbon intensity of the zone (gCO2eq/kWh) and where it came from. */
	gco2PerKwh: z.number().min(0),
	carbonSource: z.string(),
	/** The grid's figure when nodes' declared supply moved gco2PerKwh (carbonSource `+declared`); absent otherwise. */
	gridGco2PerKwh: z.number().min(0).optional(),
	/** Policy score; lower is better. */
	score: z.number(),
	freeSlots: z.number().int(),
	queueDepth: z.number().int(),
});
export type RoutingCandidate = z.infer<typeof routingCandidateSchema>;

export const routingDecisionSchema = z.object({
	/** `latency`, `carbon`, `balanced`, or `weights` (see `weights`). */
	policy: z.enum(["latency", "carbon", "balanced", "weights"]),
	weights: z.object({ latency: z.number().min(0), carbon: z.number().min(0) }).optional(),
	/** Where the client is believed to be, and how that was decided (`cf` or a documented fallback). */
	client: z.object({ lat: z.number(), lon: z.number(), source: z.string() }),
	/** Candidates in the order they were to be tried. */
	candidates: z.array(routingCandidateSchema),
	/** Zones left out, with the hard constraint that excluded each. */
	excluded: z.array(z.object({ zoneId: z.string(), reason: z.string() })),
	chosenZoneId: z.string(),
	/** Zones tried before the chosen one, and why each refused. */
	refused: z.array(z.object({ zoneId: z.string(), reason: z.string() })),
	/** The eligible zone with the lowest estimated latency, the baseline for "carbon avoided". */
	nearestZoneId: z.string(),
	nearestGco2PerKwh: z.number().min(0),
});
export type RoutingDecision = z.infer<typeof routingDecisionSchema>;
