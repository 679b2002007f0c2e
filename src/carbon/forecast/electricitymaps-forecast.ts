/**
 * Electricity Maps v3 forecast: GET {baseUrl}/v3/carbon-intensity/forecast?zone=XX
 * with the `auth-token` header; hourly gCO2eq/kWh points (`forecast[]`), no
 * conversion needed.
 */
import * as z from "zod";
import { type ElectricityMapsConfig, electricityMapsConfigSchema } from "../electricitymaps.js";
import { CarbonProviderError, parseConfig } from "../provider-error.js";
import { buildUrl, getJson, parseProviderResponse } from "../provider-http.js";
import { type ProviderRuntime, providerTimestampSchema } from "../signal.js";
import { type ForecastProvider, toPoints } from "./forecast.js";

const HOUR_MS = 3_600_000;

const forecastResponseSchema = z.object({
	zone: z.string(),
	forecast: z.array(z.object({ carbonIntensity: z.number().min(0), datetime: providerTimestampSchema })).min(1),
	updatedAt: providerTimestampSchema,
});

/** Creates the Electricity Maps forecast adapter (same config as its signal adapter). */
export function createElectricityMapsForecast(
	config: ElectricityMapsConfig,
	runtime: ProviderRuntime = {},
): ForecastProvider {
	const cfg = parseConfig(electricityMapsConfigSchema, config, "electricitymaps");
	return {
		source: "electricitymaps",
		async fetchForecast(zone, options = {}) {
			const ctx = { source: "electricitymaps" as const, zone };
			const query: Record<string, string> = { zone };
			if (cfg.emissionFactorType) query.emissionFactorType = cfg.emissionFactorType;
			const body = await getJson(ctx, {
				url: buildUrl(cfg.baseUrl, "/v3/carbon-intensity/forecast", query),
				headers: { "auth-token": cfg.apiKey },
				timeoutMs: cfg.timeoutMs,
				signal: options.signal,
				fetch: runtime.fetch ?? fetch,
			});
			const parsed = parseProviderResponse(ctx, forecastResponseSchema, body, "carbon-intensity/forecast");
			if (parsed.zone !== zone) {
				throw new CarbonProviderError(ctx.source, zone, "malformed", `zone: expected "${zone}", got "${parsed.zone}"`);
			}
			const raw = parsed.forecast.map((p) => ({ startMs: Date.parse(p.datetime), gco2PerKwh: p.carbonIntensity }));
			return {
				zone,
				source: "electricitymaps",
				generatedAt: Date.parse(parsed.updatedAt),
				points: toPoints(raw, HOUR_MS),
			};
		},
	};
}
