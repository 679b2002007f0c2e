/**
 * UK Carbon Intensity 48 h forecast: GET {baseUrl}/intensity/{from}/fw48h,
 * 96 half-hour periods of gCO2/kWh (`intensity.forecast`), GB only, no auth.
 */
import * as z from "zod";
import { CarbonProviderError, parseConfig } from "../provider-error.js";
import { buildUrl, getJson, parseProviderResponse } from "../provider-http.js";
import { type ProviderRuntime, providerTimestampSchema } from "../signal.js";
import { UK_GRID_ZONE, type UkCarbonIntensityConfig, ukCarbonIntensityConfigSchema } from "../uk-carbon-intensity.js";
import type { ForecastProvider } from "./forecast.js";

const responseSchema = z.object({
	data: z
		.array(
			z.object({
				from: providerTimestampSchema,
				to: providerTimestampSchema,
				intensity: z.object({ forecast: z.number().min(0) }),
			}),
		)
		.min(1),
});

/** The API's path timestamp: ISO 8601 to the minute, e.g. 2026-11-23T12:00Z. */
function pathTime(ms: number): string {
	return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

/** Creates the UK 48 h forecast adapter (national figures; a regionId in the config is not used here). */
export function createUkForecast(
	config: UkCarbonIntensityConfig = {},
	runtime: ProviderRuntime = {},
): ForecastProvider {
	const cfg = parseConfig(ukCarbonIntensityConfigSchema, config, "uk-carbon-intensity");
	const now = runtime.now ?? Date.now;
	return {
		source: "uk-carbon-intensity",
		async fetchForecast(zone, options = {}) {
			const ctx = { source: "uk-carbon-intensity" as const, zone };
			if (zone !== UK_GRID_ZONE) {
				throw new CarbonProviderError(
					ctx.source,
					zone,
					"unsupported-zone",
					`the UK Carbon Intensity API only covers "${UK_GRID_ZONE}"`,
				);
			}
			const t = now();
			const body = await getJson(ctx, {
				url: buildUrl(cfg.baseUrl, `/intensity/${pathTime(t)}/fw48h`),
				timeoutMs: cfg.timeoutMs,
				signal: options.signal,
				fetch: runtime.fetch ?? fetch,
			});
			const { data } = parseProviderResponse(ctx, responseSchema, body, "intensity/fw48h");
			const points = data
				.map((p) => ({
					startMs: Date.parse(p.from),
					durationMs: Date.parse(p.to) - Date.parse(p.from),
					gco2PerKwh: p.intensity.forecast,
				}))
				.filter((p) => p.durationMs > 0)
				.sort((a, b) => a.startMs - b.startMs);
			return { zone, source: "uk-carbon-intensity", generatedAt: t, points };
		},
	};
}
