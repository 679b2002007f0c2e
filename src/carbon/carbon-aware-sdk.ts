/**
 * Green Software Foundation Carbon Aware SDK WebAPI adapter: GET
 * {baseUrl}/emissions/bylocation?location=L&time=..&toTime=.. on a
 * self-hosted SDK. The WebAPI has no auth of its own and speaks its data
 * source's location names (e.g. Azure regions) and units: g/kWh behind
 * Electricity Maps, MOER lbs/MWh behind WattTime, so both the location map and
 * the unit are configured.
 */
import * as z from "zod";
import { CarbonProviderError, parseConfig } from "./provider-error.js";
import { baseUrlSchema, buildUrl, getJson, parseProviderResponse, timeoutMsSchema } from "./provider-http.js";
import {
	type CarbonProvider,
	gridZoneSchema,
	LBS_PER_MWH_TO_G_PER_KWH,
	type ProviderRuntime,
	providerTimestampSchema,
} from "./signal.js";
import { zoneProvider } from "./zone-provider.js";

export const carbonAwareSdkConfigSchema = z.object({
	/** Where the WebAPI is deployed; no default (it is self-hosted). */
	baseUrl: baseUrlSchema,
	/** Grid zone -> SDK location, e.g. `{ "IE": "northeurope" }`; at least one entry. */
	locations: z
		.record(gridZoneSchema, z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "an SDK location name such as eastus"))
		.refine((r) => Object.keys(r).length > 0, "at least one grid zone -> location entry"),
	/** Unit of `rating`, set by the SDK's data source: default `g/kWh`; `lbs/MWh` behind WattTime. */
	ratingUnit: z.enum(["g/kWh", "lbs/MWh"]).default("g/kWh"),
	/** How far back to ask for data, in minutes: default 60, from 5 to 1,440. */
	lookbackMinutes: z.number().int().min(5).max(1_440).default(60),
	timeoutMs: timeoutMsSchema,
});
export type CarbonAwareSdkConfig = z.input<typeof carbonAwareSdkConfigSchema>;

const byLocationResponseSchema = z.array(
	z.object({ location: z.string(), time: providerTimestampSchema, rating: z.number().min(0) }),
);

/** Creates the Carbon Aware SDK adapter; throws `CarbonConfigError` on a bad config. */
export function createCarbonAwareSdkProvider(
	config: CarbonAwareSdkConfig,
	runtime: ProviderRuntime = {},
): CarbonProvider {
	const cfg = parseConfig(carbonAwareSdkConfigSchema, config, "carbon-aware-sdk");
	const now = runtime.now ?? Date.now;
	const factor = cfg.ratingUnit === "lbs/MWh" ? LBS_PER_MWH_TO_G_PER_KWH : 1;
	return zoneProvider({
		source: "carbon-aware-sdk",
		zones: Object.keys(cfg.locations),
		target: (zone) => cfg.locations[zone],
		unsupported: () => "no Carbon Aware SDK location is configured for this zone",
		async fetch(zone, location, options, ctx) {
			const t = now();
			const body = await getJson(ctx, {
				url: buildUrl(cfg.baseUrl, "/emissions/bylocation", {
					location,
					time: new Date(t - cfg.lookbackMinutes * 60_000).toISOString(),
					toTime: new Date(t).toISOString(),
				}),
				timeoutMs: cfg.timeoutMs,
				signal: options.signal,
				fetch: runtime.fetch ?? fetch,
			});
			const points = parseProviderResponse(ctx, byLocationResponseSchema, body, "emissions/bylocation");
			if (points.length === 0) {
				throw new CarbonProviderError(
					ctx.source,
					zone,
					"malformed",
					`no emissions data for location "${location}" in the last ${cfg.lookbackMinutes} min`,
				);
			}
			const latest = points.reduce((a, b) => (a.time >= b.time ? a : b));
			return {
				zone,
				gco2PerKwh: latest.rating * factor,
				source: "carbon-aware-sdk",
				observedAt: latest.time,
				fetchedAt: t,
			};
		},
	});
}
