/**
 * Fibre latency model: turns a great-circle distance into an estimated
 * round-trip time, the network term of a routing decision. Light in fibre
 * travels about 200,000 km/s, so a round trip costs 1 ms per 100 km of fibre,
 * and real fibre paths run about 2.1x the straight line (Bozkurt et al.,
 * arXiv 1811.10737). Measured error against a real inter-region matrix is in
 * docs/carbon-and-latency.md and is enforced by test/node/geo-latency-model.test.ts.
 */
import { greatCircleKm, type LatLon } from "./great-circle.js";

/** Round-trip ms per km of fibre: 2 x 1 km / (200,000 km/s) = 0.01 ms, i.e. 1 ms per 100 km. */
export const RTT_MS_PER_FIBRE_KM = 1 / 100;

/** Fibre route length / straight-line distance on the public Internet (Bozkurt et al.): 2.1. */
export const FIBRE_PATH_STRETCH = 2.1;

/**
 * Constant added to every estimate (ms). 0: fitted against the GCP inter-region
 * matrix, every positive floor made the 2.1x model worse (it already
 * over-estimates long hauls), and a negative floor is not physical.
 */
export const RTT_FLOOR_MS = 0;

/** The parameters of one fibre model: rttMs = floorMs + distanceKm x stretch x RTT_MS_PER_FIBRE_KM. */
export interface LatencyModel {
	/** Fibre route length / straight-line distance; >= 1. */
	readonly stretch: number;
	/** Constant ms added to every estimate; >= 0. */
	readonly floorMs: number;
}

/** The default model: a client on the public Internet reaching a zone (stretch 2.1, floor 0). */
export const INTERNET_FIBRE_MODEL: LatencyModel = { stretch: FIBRE_PATH_STRETCH, floorMs: RTT_FLOOR_MS };

/**
 * Best fit (median relative error) on the GCP inter-region matrix: a private
 * backbone runs straighter than the public Internet. Use it for zone-to-zone
 * estimates (e.g. relaying between zones), not for client-to-zone.
 */
export const CLOUD_BACKBONE_MODEL: LatencyModel = { stretch: 1.5, floorMs: 2 };

/** Estimated round-trip ms for a straight-line distance in km (negative distances count as 0). */
export function rttMsForDistance(distanceKm: number, model: LatencyModel = INTERNET_FIBRE_MODEL): number {
	return model.floorMs + Math.max(0, distanceKm) * model.stretch * RTT_MS_PER_FIBRE_KM;
}

/**
 * Estimated round-trip ms between two points; defaults to the Internet model.
 * @example estimateRttMs({ lat: 51.51, lon: -0.13 }, { lat: 50.11, lon: 8.68 }) // ≈ 13.4 (London-Frankfurt)
 */
export function estimateRttMs(from: LatLon, to: LatLon, model: LatencyModel = INTERNET_FIBRE_MODEL): number {
	return rttMsForDistance(greatCircleKm(from, to), model);
}
