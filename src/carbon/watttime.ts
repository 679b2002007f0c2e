/**
 * WattTime v3 adapter over the shared session (watttime-client.ts; tokens last
 * 30 minutes). Data: GET {baseUrl}/v3/forecast?region=R&signal_type=co2_moer,
 * whose MOER is in lbs/MWh (x 0.453592 = g/kWh); the point covering "now" is
 * the current value. `/v3/signal-index` is not used: it answers a 0-100
 * percentile, which cannot be converted to g/kWh. WattTime speaks its own
 * balancing-authority regions, so the config maps grid zones to regions.
 */
import * as z from "zod";
import { parseConfig } from "./provider-error.js";
import { baseUrlSchema, parseProviderResponse, timeoutMsSchema } from "./provider-http.js";
import {
	type CarbonProvider,
	gridZoneSchema,
	LBS_PER_MWH_TO_G_PER_KWH,
	type ProviderRuntime,
	providerTimestampSchema,
} from "./signal.js";
import { createWattTimeSession } from "./watttime-client.js";
import { zoneProvider } from "./zone-provider.js";

export const wattTimeConfigSchema = z.object({
	username: z.string().min(1),
	password: z.string().min(1),
	/** Grid zone -> WattTime region, e.g. `{ "US-CAL-CISO": "CAISO_NORTH" }`; at least one entry. */
	regions: z
		.record(gridZoneSchema, z.string().regex(/^[A-Z0-9_]{2,40}$/, "a WattTime region such as CAISO_NORTH"))
		.refine((r) => Object.keys(r).length > 0, "at least one grid zone -> WattTime region entry"),
	/** Default https://api.watttime.org (the `/v3/...` path is appended). */
	baseUrl: baseUrlSchema.default("https://api.watttime.org"),
	/** Where `/login` lives; defaults to `baseUrl`. */
	authBaseUrl: baseUrlSchema.optional(),
	/** How long a token is trusted, in ms: default 30 min (WattTime's token lifetime), 1 min to 24 h. */
	tokenTtlMs: z.number().int().min(60_000).max(86_400_000).default(1_800_000),
	/** Log in again this long before the token expires, in ms: default 120,000, at most 10 min. */
	tokenRefreshMarginMs: z.number().int().min(0).max(600_000).default(120_000),
	timeoutMs: timeoutMsSchema,
});
export type WattTimeConfig = z.input<typeof wattTimeConfigSchema>;

const forecastResponseSchema = z.object({
	data: z.array(z.object({ point_time: providerTimestampSchema, value: z.number().min(0) })).min(1),
	meta: z.object({ signal_type: z.literal("co2_moer"), units: z.literal("lbs_co2_per_mwh") }),
});

/** Creates the WattTime adapter; throws `CarbonConfigError` on a bad config. */
export function createWattTimeProvider(config: WattTimeConfig, runtime: ProviderRuntime = {}): CarbonProvider {
	const cfg = parseConfig(wattTimeConfigSchema, config, "watttime");
	const now = runtime.now ?? Date.now;
	const session = createWattTimeSession(cfg, runtime);

	return zoneProvider({
		source: "watttime",
		zones: Object.keys(cfg.regions),
		target: (zone) => cfg.regions[zone],
		unsupported: () => "no WattTime region is configured for this zone",
		async fetch(zone, region, options, ctx) {
			const body = await session.forecast(ctx, region, 1, options.signal);
			const { data } = parseProviderResponse(ctx, forecastResponseSchema, body, "forecast");
			const t = now();
			// The latest point not in the future is the current 5-minute MOER; if all are ahead, the earliest.
			const past = data.filter((p) => Date.parse(p.point_time) <= t);
			const point =
				past.length > 0
					? past.reduce((a, b) => (a.point_time >= b.point_time ? a : b))
					: data.reduce((a, b) => (a.point_time <= b.point_time ? a : b));
			return {
				zone,
				gco2PerKwh: point.value * LBS_PER_MWH_TO_G_PER_KWH,
				source: "watttime",
				observedAt: point.point_time,
				fetchedAt: t,
			};
		},
	});
}
