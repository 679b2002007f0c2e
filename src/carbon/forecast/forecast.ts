/**
 * A carbon-intensity forecast: the gCO2eq/kWh a provider expects for a grid
 * zone over the coming hours, as time slots. Every forecast adapter returns
 * this one shape, so the batch scheduler never sees a provider's format or
 * units.
 */
import type { CarbonSource } from "../signal.js";

/** Where a forecast came from: a provider's own forecast, or the daily-profile fallback. */
export type ForecastSource = Exclude<CarbonSource, "static"> | "daily-profile";

/** One forecast slot: [startMs, startMs + durationMs) at gco2PerKwh. */
export interface ForecastPoint {
	startMs: number;
	durationMs: number;
	gco2PerKwh: number;
}

/** A zone's forecast, its points sorted by start and not overlapping. */
export interface CarbonForecast {
	zone: string;
	source: ForecastSource;
	/** When the provider made it (epoch ms); the fallback's is when it was built. */
	generatedAt: number;
	points: ForecastPoint[];
}

/** One provider's forecast endpoint; rejects only with a `CarbonProviderError`. */
export interface ForecastProvider {
	readonly source: ForecastSource;
	/** Fetches the forecast of a grid zone from now on. */
	fetchForecast(zone: string, options?: { signal?: AbortSignal }): Promise<CarbonForecast>;
}

/** Sorts points, drops duplicates of a start, and sets each duration to the gap to the next (the last keeps `lastMs`). */
export function toPoints(raw: { startMs: number; gco2PerKwh: number }[], lastMs: number): ForecastPoint[] {
	const sorted = [...raw].sort((a, b) => a.startMs - b.startMs);
	const unique = sorted.filter((p, i) => i === 0 || p.startMs !== sorted[i - 1]?.startMs);
	return unique.map((p, i) => {
		const next = unique[i + 1];
		return { ...p, durationMs: next ? next.startMs - p.startMs : lastMs };
	});
}

/** The forecast value at time `t`, or undefined when `t` is outside every point. */
export function forecastAt(forecast: CarbonForecast, t: number): number | undefined {
	for (const p of forecast.points) {
		if (t >= p.startMs && t < p.startMs + p.durationMs) return p.gco2PerKwh;
	}
	return undefined;
}
