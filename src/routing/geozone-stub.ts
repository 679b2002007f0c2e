/**
 * Typed access to a zone's GeozoneDO over native RPC (design decision 1). The
 * object is named by its zone id, lives in the EU jurisdiction when the zone is
 * listed in GEOZONE_EU_ZONES, and is created near the zone via its catalogue
 * `locationHint` (src/protocol/geozone-placement.ts).
 */
import { placedZoneStub } from "../protocol/geozone-placement.js";

/** What placing a zone's object reads of the env: the binding and the EU zone list (any string; it is validated). */
export interface GeozoneEnv {
	GEOZONE: Env["GEOZONE"];
	GEOZONE_EU_ZONES?: string;
}

/** The stub of `zoneId`'s GeozoneDO; `locationHint` only matters when the object is first created. */
export function geozoneStub(env: GeozoneEnv, zoneId: string, locationHint?: string | null) {
	return placedZoneStub(env.GEOZONE, env.GEOZONE_EU_ZONES, zoneId, locationHint);
}
