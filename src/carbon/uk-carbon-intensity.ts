/**
 * UK Carbon Intensity API adapter (National Grid ESO): no authentication,
 * gCO2/kWh per half hour, GB only. Nationally it reads GET {baseUrl}/intensity
 * (the measured `actual` when published, else the `forecast`); with a
 * `regionId` it reads GET {baseUrl}/regional/regionid/{id}, which only has a
 * forecast.
 */
import * as z from "zod";
import { CarbonProviderError, parseConfig } from "./provider-error.js";
import { baseUrlSchema, buildUrl, getJson, parseProviderResponse, timeoutMsSchema } from "./provider-http.js";
import { type CarbonProvider, type ProviderRuntime, providerTimestampSchema } from "./signal.js";
import { zoneProvider } from "./zone-provider.js";

/** The only grid zone this API covers. */
export const UK_GRID_ZONE = "GB";

export const ukCarbonIntensityConfigSchema = z.object({
	/** Default https://api.carbonintensity.org.uk. */
	baseUrl: baseUrlSchema.default("https://api.carbonintensity.org.uk"),
	/** A DNO region from 1 (North Scotland) to 17 (Wales); absent = national figure. */
	regionId: z.number().int().min(1).max(17).optional(),
	timeoutMs: timeoutMsSchema,
});
export type UkCarbonIntensityConfig = z.input<typeof ukCarbonIntensityConfigSchema>;

const periodSchema = { from: providerTimestampSchema, to: providerTimestampSchema };

const nationalResponseSchema = z.object({
	data: z
		.array(
			z.object({
				...periodSchema,
				intensity: z.object({ forecast: z.number().min(0), actual: z.number().min(0).nullable().optional() }),
			}),
		)
		.min(1),
});

const regionalResponseSchema = z.object({
	data: z
		.array(
			z.object({
				regionid: z.number().int(),
				data: z.array(z.object({ ...periodSchema, intensity: z.object({ forecast: z.number().min(0) }) })).min(1),
			}),
		)
		.min(1),
});

/** Creates the UK Carbon Intensity adapter; throws `CarbonConfigError` on a bad config. */
export function createUkCarbonIntensityProvider(
	config: UkCarbonIntensityConfig = {},
	runtime: ProviderRuntime = {},
): CarbonProvider {
	const cfg = parseConfig(ukCarbonIntensityConfigSchema, config, "uk-carbon-intensity");
	const now = runtime.now ?? Date.now;
	return zoneProvider({
		source: "uk-carbon-intensity",
		zones: [UK_GRID_ZONE],
		target: (zone) => (zone === UK_GRID_ZONE ? zone : undefined),
		unsupported: () => `the UK Carbon Intensity API only covers "${UK_GRID_ZONE}"`,
		async fetch(zone, _target, options, ctx) {
			const path = cfg.regionId === undefined ? "/intensity" : `/regional/regionid/${cfg.regionId}`;
			const body = await getJson(ctx, {
				url: buildUrl(cfg.baseUrl, path),
				timeoutMs: cfg.timeoutMs,
				signal: options.signal,
				fetch: runtime.fetch ?? fetch,
			});
			let observedAt: string;
			let gco2PerKwh: number;
			if (cfg.regionId === undefined) {
				const [period] = parseProviderResponse(ctx, nationalResponseSchema, body, "intensity").data;
				if (!period) throw new CarbonProviderError(ctx.source, zone, "malformed", "data: no period");
				observedAt = period.from;
				gco2PerKwh = period.intensity.actual ?? period.intensity.forecast;
			} else {
				const [region] = parseProviderResponse(ctx, regionalResponseSchema, body, "regional").data;
				const period = region?.data[0];
				if (!region || !period) throw new CarbonProviderError(ctx.source, zone, "malformed", "data: no period");
				if (region.regionid !== cfg.regionId) {
					throw new CarbonProviderError(
						ctx.source,
						zone,
						"malformed",
						`data[0].regionid: expected ${cfg.regionId}, got ${region.regionid}`,
					);
				}
				observedAt = period.from;
				gco2PerKwh = period.intensity.forecast;
			}
			return { zone, gco2PerKwh, source: "uk-carbon-intensity", observedAt, fetchedAt: now() };
		},
	});
}
