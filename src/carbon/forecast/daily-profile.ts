/**
 * The fallback forecast for a zone whose provider has none: its daily
 * profile. Each hour of the day is forecast as the mean of the same UTC hour
 * over the past days' observations, shifted toward the latest observation
 * by a gap that decays by half every ~3 hours (today's level persists a
 * while). It uses only data from before the decision; with no history it is
 * flat at the current value.
 */
import type { CarbonForecast, ForecastPoint } from "./forecast.js";

const HOUR_MS = 3_600_000;
const DAY_HOURS = 24;
/** Per-hour decay of today's gap to the profile: 0.8^3 is about one half. */
const GAP_DECAY = 0.8;

/** One past observation of a zone's intensity. */
export interface Observation {
	atMs: number;
	gco2PerKwh: number;
}

/**
 * Builds an hourly forecast of `horizonHours` from `nowMs`, from observations
 * before `nowMs` (later ones are ignored). The current hour keeps the latest
 * observation, which is what a provider's forecast also starts from.
 */
export function dailyProfileForecast(
	zone: string,
	history: readonly Observation[],
	nowMs: number,
	horizonHours: number,
	fallbackGco2: number,
): CarbonForecast {
	const sums = new Array<number>(DAY_HOURS).fill(0);
	const counts = new Array<number>(DAY_HOURS).fill(0);
	let latest: Observation | undefined;
	for (const o of history) {
		if (o.atMs >= nowMs) continue;
		const h = new Date(o.atMs).getUTCHours();
		sums[h] = (sums[h] ?? 0) + o.gco2PerKwh;
		counts[h] = (counts[h] ?? 0) + 1;
		if (!latest || o.atMs > latest.atMs) latest = o;
	}
	const current = latest?.gco2PerKwh ?? fallbackGco2;
	const meanAt = (h: number): number => {
		const n = counts[h] ?? 0;
		return n > 0 ? (sums[h] ?? 0) / n : current;
	};
	const hourStart = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
	const gap = latest ? current - meanAt(new Date(latest.atMs).getUTCHours()) : 0;
	const points: ForecastPoint[] = [];
	for (let i = 0; i < horizonHours; i++) {
		const startMs = hourStart + i * HOUR_MS;
		const value = i === 0 ? current : meanAt(new Date(startMs).getUTCHours()) + gap * GAP_DECAY ** i;
		points.push({ startMs, durationMs: HOUR_MS, gco2PerKwh: Math.max(0, value) });
	}
	return { zone, source: "daily-profile", generatedAt: nowMs, points };
}
