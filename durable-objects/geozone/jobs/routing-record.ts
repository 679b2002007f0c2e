/**
 * Reads the routing decision stored with a job (the `routing` JSON of submit)
 * into the flat figures D1 `jobs` keeps and the energy estimate needs. Older
 * records, and those of first-available routing, do not match
 * routingDecisionSchema: their figures stay null.
 */
import { routingDecisionSchema } from "../../../src/protocol/routing-decision.js";

/** The flattened routing figures of one job; all null when the record is not a routing decision. */
export interface RoutingFigures {
	policy: string | null;
	estLatencyMs: number | null;
	zoneGco2PerKwh: number | null;
	/** The chosen zone's grid figure before nodes' declared power was weighed in. */
	zoneGridGco2PerKwh: number | null;
	nearestZoneId: string | null;
	nearestGco2PerKwh: number | null;
}

const NONE: RoutingFigures = {
	policy: null,
	estLatencyMs: null,
	zoneGco2PerKwh: null,
	zoneGridGco2PerKwh: null,
	nearestZoneId: null,
	nearestGco2PerKwh: null,
};

/**
 * The figures of the routing records read last: a job's record is read when it
 * finishes (its energy estimate) and again when its history is flushed, and a
 * decision lists every candidate zone, so the second read should not parse it again.
 */
const recent = new Map<string, RoutingFigures>();
const RECENT_MAX = 256;

/** Flattens a stored routing JSON; the chosen zone's figures come from its candidate entry. */
export function routingFigures(routingJson: string): RoutingFigures {
	const hit = recent.get(routingJson);
	if (hit) return hit;
	const figures = parseRoutingFigures(routingJson);
	if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value ?? "");
	recent.set(routingJson, figures);
	return figures;
}

function parseRoutingFigures(routingJson: string): RoutingFigures {
	let value: unknown;
	try {
		value = JSON.parse(routingJson);
	} catch {
		return NONE;
	}
	const parsed = routingDecisionSchema.safeParse(value);
	if (!parsed.success) return NONE;
	const decision = parsed.data;
	const chosen = decision.candidates.find((c) => c.zoneId === decision.chosenZoneId);
	return {
		policy: decision.policy,
		estLatencyMs: chosen?.estLatencyMs ?? null,
		zoneGco2PerKwh: chosen?.gco2PerKwh ?? null,
		zoneGridGco2PerKwh: chosen?.gridGco2PerKwh ?? chosen?.gco2PerKwh ?? null,
		nearestZoneId: decision.nearestZoneId,
		nearestGco2PerKwh: decision.nearestGco2PerKwh,
	};
}
