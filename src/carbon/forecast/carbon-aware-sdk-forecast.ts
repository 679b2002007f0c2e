/**
 * Carbon Aware SDK WebAPI forecast: GET {baseUrl}/emissions/forecasts/current?location=L
 * on a self-hosted SDK; `forecastData[]` points with their `duration` in
 * minutes, in the unit of the SDK's data source (configured, as for the signal).
 */
import * as z from "zod";
import { type CarbonAwareSdkConfig, carbonAwareSdkConfigSchema } from "../carbon-aware-sdk.js";
import { CarbonProviderError, parseConfig } from "../provider-error.js";
import { buildUrl, getJson, parseProviderResponse } from "../provider-http.js";
import { LBS_PER_MWH_TO_G_PER_KWH, type ProviderRuntime, providerTimestampSchema } from "../signal.js";
import type { ForecastProvider } from "./forecast.js";

const responseSchema = z
	.array(
		z.object({
			generatedAt: providerTimestampSchema,
			location: z.string(),
			forecastData: z.array(
				z.object({ timestamp: providerTimestampSchema, duration: z.number().positive(), value: z.number().min(0) }),
			),
		}),
	)
	.min(1);

/** Creates the Carbon Aware SDK forecast adapter (same config as its signal adapter). */
export function createCarbonAwareSdkForecast(
	config: CarbonAwareSdkConfig,
	runtime: ProviderRuntime = {},
): ForecastProvider {
	const cfg = parseConfig(carbonAwareSdkConfigSchema, config, "carbon-aware-sdk");
	const factor = cfg.ratingUnit === "lbs/MWh" ? LBS_PER_MWH_TO_G_PER_KWH : 1;
	return {
		source: "carbon-aware-sdk",
		async fetchForecast(zone, options = {}) {
			const ctx = { source: "carbon-aware-sdk" as const, zone };
			const location = cfg.locations[zone];
			if (location === undefined) {
				throw new CarbonProviderError(
					ctx.source,
					zone,
					"unsupported-zone",
					"no Carbon Aware SDK location is configured for this zone",
				);
			}
			const body = await getJson(ctx, {
				url: buildUrl(cfg.baseUrl, "/emissions/forecasts/current", { location }),
				timeoutMs: cfg.timeoutMs,
				signal: options.signal,
				fetch: runtime.fetch ?? fetch,
			});
			const [first] = parseProviderResponse(ctx, responseSchema, body, "emissions/forecasts/current");
			if (!first || first.forecastData.length === 0) {
				throw new CarbonProviderError(
					ctx.source,
					zone,
					"malformed",
					`forecastData: no points for location "${location}"`,
				);
			}
			const points = first.forecastData
				.map((p) => ({
					startMs: Date.parse(p.timestamp),
					durationMs: p.duration * 60_000,
					gco2PerKwh: p.value * factor,
				}))
				.sort((a, b) => a.startMs - b.startMs);
			return { zone, source: "carbon-aware-sdk", generatedAt: Date.parse(first.generatedAt), points };
		},
	};
}
