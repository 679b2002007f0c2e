/**
 * Forecasts for the batch scheduler, per zone: the configured provider's
 * forecast for the zone's grid code, kept per isolate for FORECAST_TTL_MS;
 * for a provider without one (static) or a failed call, the daily-profile
 * fallback, which with no stored history is flat at the zone's live figure
 * (so work is not held back on a guess).
 */
import { parseCarbonEnv } from "../carbon/config.js";
import { type CarbonForecast, dailyProfileForecast, forecastAt, forecastFromConfig } from "../carbon/forecast/index.js";
import { database } from "../db/client.js";
import { listZonesWithStatus } from "../db/zones.js";
import { log } from "../protocol/log-line.js";

/** How long a fetched forecast is reused: 15 min (providers refresh hourly at most). */
export const FORECAST_TTL_MS = 900_000;

const cache = new Map<string, { forecast: CarbonForecast; fetchedAt: number }>();

/** Intensity per slot from `now` (slot 0 = now = `liveGco2`), `slots` long. */
export type SlotForecast = (zoneId: string, liveGco2: number, slots: number, slotMs: number) => number[];

/** Builds the slot forecast of every zone for one tick; never rejects. */
export async function zoneForecasts(env: Env, zoneIds: readonly string[], now: number): Promise<SlotForecast> {
	const forecasts = new Map<string, CarbonForecast>();
	let provider: ReturnType<typeof forecastFromConfig> = null;
	try {
		provider = forecastFromConfig(parseCarbonEnv(env));
	} catch (err) {
		log("error", "batch_forecast_config_invalid", { error: err });
	}
	if (provider && zoneIds.length > 0) {
		const grids = new Map((await listZonesWithStatus(database(env))).map((z) => [z.id, z.gridZone]));
		await Promise.all(
			zoneIds.map(async (zoneId) => {
				const grid = grids.get(zoneId);
				if (!grid || !provider) return;
				const key = `${provider.source}:${grid}`;
				const hit = cache.get(key);
				if (hit && now - hit.fetchedAt < FORECAST_TTL_MS) {
					forecasts.set(zoneId, hit.forecast);
					return;
				}
				try {
					const forecast = await provider.fetchForecast(grid);
					cache.set(key, { forecast, fetchedAt: now });
					forecasts.set(zoneId, forecast);
				} catch (err) {
					log("warn", "batch_forecast_failed", { zone: zoneId, grid, fallback: "daily profile", error: err });
				}
			}),
		);
	}
	return (zoneId, liveGco2, slots, slotMs) => {
		const forecast =
			forecasts.get(zoneId) ??
			dailyProfileForecast(zoneId, [], now, Math.ceil((slots * slotMs) / 3_600_000) + 1, liveGco2);
		return Array.from({ length: slots }, (_, i) =>
			i === 0 ? liveGco2 : (forecastAt(forecast, now + i * slotMs) ?? liveGco2),
		);
	};
}
