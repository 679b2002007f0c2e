/**
 * Where a zone's GeozoneDO lives: in the EU jurisdiction when the deployment
 * lists the zone in GEOZONE_EU_ZONES (its object then runs and stores its
 * queue, and so every prompt sent to the zone, only in the EU), and near the
 * zone's `locationHint` from the catalogue when first created. A name maps to
 * a different object in each jurisdiction, so every caller, Worker and Durable
 * Object alike, gets its stub through `zoneNamespace`.
 */

import { zoneIdSchema } from "./agent-wire.js";

/** Location hints Cloudflare accepts, and those inside the EU jurisdiction. */
const LOCATION_HINTS: ReadonlySet<string> = new Set(["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"]);
const EU_HINTS: ReadonlySet<string> = new Set(["weur", "eeur"]);

/** How a zone's object is placed. */
export interface GeozonePlacement {
	jurisdiction: "eu" | null;
	locationHint: DurableObjectLocationHint | null;
}

const parsed = new Map<string, ReadonlySet<string>>();

/**
 * The zone ids of GEOZONE_EU_ZONES (comma-separated; empty or unset: none).
 * Throws naming the var on a malformed entry: guessing would place an EU zone's prompts outside the EU.
 */
export function euZones(raw: string | undefined): ReadonlySet<string> {
	const key = raw ?? "";
	const known = parsed.get(key);
	if (known) return known;
	const ids = key
		.split(",")
		.map((id) => id.trim())
		.filter((id) => id !== "");
	const bad = ids.find((id) => !zoneIdSchema.safeParse(id).success);
	if (bad !== undefined) {
		throw new Error(
			`GEOZONE_EU_ZONES: ${JSON.stringify(bad)} is not a zone id (kebab-case, e.g. eu-paris); expected comma-separated zone ids, got ${JSON.stringify(key)}`,
		);
	}
	const set = new Set(ids);
	parsed.set(key, set);
	return set;
}

/** The placement of a zone's object: its jurisdiction, and the hint kept only where it is valid (and inside the EU for an EU zone). */
export function geozonePlacement(
	zoneId: string,
	eu: ReadonlySet<string>,
	locationHint?: string | null,
): GeozonePlacement {
	const jurisdiction = eu.has(zoneId) ? "eu" : null;
	const valid = locationHint !== undefined && locationHint !== null && LOCATION_HINTS.has(locationHint);
	const allowed = valid && (jurisdiction === null || EU_HINTS.has(locationHint));
	return { jurisdiction, locationHint: allowed ? (locationHint as DurableObjectLocationHint) : null };
}

/** The namespace a placement names: the binding itself, or its EU-jurisdiction subnamespace. */
export function zoneNamespace<T extends Rpc.DurableObjectBranded | undefined>(
	binding: DurableObjectNamespace<T>,
	placement: GeozonePlacement,
): DurableObjectNamespace<T> {
	return placement.jurisdiction === null ? binding : binding.jurisdiction(placement.jurisdiction);
}

/** The stub of a zone's object, placed as above. */
export function placedZoneStub<T extends Rpc.DurableObjectBranded | undefined>(
	binding: DurableObjectNamespace<T>,
	euZonesVar: string | undefined,
	zoneId: string,
	locationHint?: string | null,
): DurableObjectStub<T> {
	const placement = geozonePlacement(zoneId, euZones(euZonesVar), locationHint);
	const namespace = zoneNamespace(binding, placement);
	const id = namespace.idFromName(zoneId);
	return placement.locationHint === null
		? namespace.get(id)
		: namespace.get(id, { locationHint: placement.locationHint });
}
