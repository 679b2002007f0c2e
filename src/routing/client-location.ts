/**
 * Where the router believes the client is. Cloudflare fills request.cf with
 * the client's latitude/longitude (strings) at the edge. When they are absent
 * or unusable (some local setups, requests built without cf), the configured
 * ARCNET_DEFAULT_CLIENT_LAT/LON vars stand in, recorded as source "default".
 * A client-supplied location header is deliberately not read: a client could
 * use it to steer jobs, and cf is what Cloudflare measured.
 */
import type { LatLon } from "../geo/great-circle.js";

/** The client location used for a decision and how it was obtained (`cf` or `default`). */
export interface ClientLocation extends LatLon {
	source: "cf" | "default";
}

/** Fallback when the vars are unset or invalid: Frankfurt (50.11, 8.68), a central European exchange. */
const BUILT_IN_DEFAULT: LatLon = { lat: 50.11, lon: 8.68 };

function coordinate(value: unknown, limit: number): number | null {
	if (typeof value !== "string" && typeof value !== "number") return null;
	if (typeof value === "string" && value.trim() === "") return null;
	const n = Number(value);
	return Number.isFinite(n) && Math.abs(n) <= limit ? n : null;
}

/** The vars naming the default location (decimal degrees as strings); Env satisfies it. */
export interface DefaultLocationVars {
	ARCNET_DEFAULT_CLIENT_LAT?: string;
	ARCNET_DEFAULT_CLIENT_LON?: string;
}

/** The client's location from `cf`, else the configured default (else Frankfurt). */
export function clientLocation(cf: Request["cf"] | undefined, env: DefaultLocationVars): ClientLocation {
	const lat = coordinate(cf?.latitude, 90);
	const lon = coordinate(cf?.longitude, 180);
	if (lat !== null && lon !== null) return { lat, lon, source: "cf" };
	const defaultLat = coordinate(env.ARCNET_DEFAULT_CLIENT_LAT, 90);
	const defaultLon = coordinate(env.ARCNET_DEFAULT_CLIENT_LON, 180);
	if (defaultLat !== null && defaultLon !== null) return { lat: defaultLat, lon: defaultLon, source: "default" };
	return { ...BUILT_IN_DEFAULT, source: "default" };
}
