/**
 * Typed access to a zone's GeozoneDO over native RPC (design decision 1). The
 * object is named by its zone id, and created near the zone via locationHint.
 */

const LOCATION_HINTS: ReadonlySet<string> = new Set(["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"]);

function isLocationHint(hint: string | undefined): hint is DurableObjectLocationHint {
	return hint !== undefined && LOCATION_HINTS.has(hint);
}

/** The stub of `zoneId`'s GeozoneDO; `locationHint` only matters when the object is first created. */
export function geozoneStub(env: Pick<Env, "GEOZONE">, zoneId: string, locationHint?: string) {
	const id = env.GEOZONE.idFromName(zoneId);
	return env.GEOZONE.get(id, isLocationHint(locationHint) ? { locationHint } : undefined);
}
