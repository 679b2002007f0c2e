/**
 * Great-circle distance between two points on Earth. Routing turns this into a
 * latency estimate (see latency-model.ts), so it must run in workerd: plain
 * math, no dependencies.
 */
import * as z from "zod";

/** Mean Earth radius (IUGG R1) in km: the sphere that minimises haversine error on average. */
export const EARTH_MEAN_RADIUS_KM = 6371.0088;

/** A point in decimal degrees: latitude from -90 to 90, longitude from -180 to 180. */
export const latLonSchema = z.object({
	lat: z.number().min(-90).max(90),
	lon: z.number().min(-180).max(180),
});
export type LatLon = z.infer<typeof latLonSchema>;

const toRadians = (degrees: number): number => (degrees * Math.PI) / 180;

/**
 * Haversine distance in km between two points (0 for the same point).
 * Inputs are trusted numbers; validate untrusted ones with `latLonSchema` first.
 * @example greatCircleKm({ lat: 51.5, lon: -0.13 }, { lat: 48.86, lon: 2.34 }) // ≈ 343
 */
export function greatCircleKm(from: LatLon, to: LatLon): number {
	const dLat = toRadians(to.lat - from.lat);
	const dLon = toRadians(to.lon - from.lon);
	const h =
		Math.sin(dLat / 2) ** 2 + Math.cos(toRadians(from.lat)) * Math.cos(toRadians(to.lat)) * Math.sin(dLon / 2) ** 2;
	// min() guards against h creeping past 1 through rounding for antipodal points.
	return 2 * EARTH_MEAN_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
