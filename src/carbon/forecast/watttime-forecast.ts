/**
 * WattTime v3 forecast: GET {baseUrl}/v3/forecast?region=R&signal_type=co2_moer&horizon_hours=H
 * over the shared login session (watttime-client.ts). Points every `meta.data_point_period_seconds`, MOER in lbs/MWh
 * (x 0.453592 = g/kWh).
 */
import * as z from "zod";
import { CarbonProviderError, parseConfig } from "../provider-error.js";
import { parseProviderResponse } from "../provider-http.js";
import { LBS_PER_MWH_TO_G_PER_KWH, type ProviderRuntime, providerTimestampSchema } from "../signal.js";
import { type WattTimeConfig, wattTimeConfigSchema } from "../watttime.js";
import { createWattTimeSession } from "../watttime-client.js";
import type { ForecastProvider } from "./forecast.js";

/** How far ahead to ask: WattTime forecasts up to 72 h; batches wait at most 24 h. */
const HORIZON_HOURS = 24;

const responseSchema = z.object({
	data: z.array(z.object({ point_time: providerTimestampSchema, value: z.number().min(0) })).min(1),
	meta: z.object({
		signal_type: z.literal("co2_moer"),
		units: z.literal("lbs_co2_per_mwh"),
		data_point_period_seconds: z.number().int().positive(),
		generated_at: providerTimestampSchema.optional(),
	}),
});

/** Creates the WattTime forecast adapter (same config as its signal adapter). */
export function createWattTimeForecast(config: WattTimeConfig, runtime: ProviderRuntime = {}): ForecastProvider {
	const cfg = parseConfig(wattTimeConfigSchema, config, "watttime");
	const now = runtime.now ?? Date.now;
	const session = createWattTimeSession(cfg, runtime);

	return {
		source: "watttime",
		async fetchForecast(zone, options = {}) {
			const ctx = { source: "watttime" as const, zone };
			const region = cfg.regions[zone];
			if (region === undefined) {
				throw new CarbonProviderError(
					ctx.source,
					zone,
					"unsupported-zone",
					"no WattTime region is configured for this zone",
				);
			}
			const body = await session.forecast(ctx, region, HORIZON_HOURS, options.signal);
			const { data, meta } = parseProviderResponse(ctx, responseSchema, body, "forecast");
			const durationMs = meta.data_point_period_seconds * 1000;
			const points = data
				.map((p) => ({ startMs: Date.parse(p.point_time), durationMs, gco2PerKwh: p.value * LBS_PER_MWH_TO_G_PER_KWH }))
				.sort((a, b) => a.startMs - b.startMs);
			const generatedAt = meta.generated_at ? Date.parse(meta.generated_at) : now();
			return { zone, source: "watttime", generatedAt, points };
		},
	};
}
