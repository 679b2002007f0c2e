/**
 * What the load generator sends: Poisson arrivals (exponential gaps at a given
 * rate) and answer lengths drawn from a log-normal distribution around a
 * median, both from a seeded generator so that two runs offer the same load.
 */
import { normal, type Random } from "../routing/prng.js";

/** The gap to the next arrival of a Poisson process of `ratePerSecond`, in ms. */
export function exponentialGapMs(ratePerSecond: number, random: Random): number {
	return (-Math.log(1 - random()) / ratePerSecond) * 1000;
}

/** How long answers are: log-normal with this median and sigma (of the log), clamped to [min, max]. */
export interface TokenCountShape {
	median: number;
	sigma: number;
	min: number;
	max: number;
}

/** One answer length drawn from `shape`. */
export function drawTokenCount(shape: TokenCountShape, random: Random): number {
	const n = Math.round(shape.median * Math.exp(shape.sigma * normal(random)));
	return Math.min(shape.max, Math.max(shape.min, n));
}

/** Mean of `shape` before clamping (log-normal: median × e^(σ²/2)), for the projection's arithmetic. */
export function meanTokenCount(shape: TokenCountShape): number {
	return shape.median * Math.exp((shape.sigma * shape.sigma) / 2);
}
