/**
 * Electricity Maps v3 forecast: GET {baseUrl}/v3/carbon-intensity/forecast?zone=XX
 * with the `auth-token` header; hourly gCO2eq/kWh points (`forecast[]`), no
 * conversion needed.
 */
import * as z from "zod";
import {
	checkZone,
	type ElectricityMapsConfig,
	electricityMapsConfigSchema,
	getElectricityMaps,
} from "../electricitymaps.js";
import { parseConfig } from "../provider-error.js";
import { parseProviderResponse } from "../provider-http.js";
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
			const body = await getElectricityMaps(cfg, runtime, ctx, "forecast", options.signal);
			const parsed = parseProviderResponse(ctx, forecastResponseSchema, body, "carbon-intensity/forecast");
			checkZone(ctx, parsed.zone);
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
