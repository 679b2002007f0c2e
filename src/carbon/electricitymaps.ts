/**
 * Electricity Maps v3 adapter: GET {baseUrl}/v3/carbon-intensity/latest?zone=XX
 * with the `auth-token` header. Values are already gCO2eq/kWh (lifecycle by
 * default, or direct when `emissionFactorType` says so), keyed by the same
 * zone codes as our catalogue, so no mapping or conversion is needed.
 */
import * as z from "zod";
import { CarbonProviderError, parseConfig } from "./provider-error.js";
import {
	baseUrlSchema,
	buildUrl,
	type CallContext,
	getJson,
	parseProviderResponse,
	timeoutMsSchema,
} from "./provider-http.js";
import { type CarbonProvider, gridZoneSchema, type ProviderRuntime, providerTimestampSchema } from "./signal.js";
import { zoneProvider } from "./zone-provider.js";

export const electricityMapsConfigSchema = z.object({
	/** API key sent as the `auth-token` header. */
	apiKey: z.string().min(1),
	/** Default https://api.electricitymap.org (the `/v3/...` path is appended). */
	baseUrl: baseUrlSchema.default("https://api.electricitymap.org"),
	/** Default: the API's own (lifecycle). */
	emissionFactorType: z.enum(["lifecycle", "direct"]).optional(),
	timeoutMs: timeoutMsSchema,
});
export type ElectricityMapsConfig = z.input<typeof electricityMapsConfigSchema>;

/** The fields we rely on from the `latest` response; extra fields are ignored. */
const latestResponseSchema = z.object({
	zone: z.string(),
	carbonIntensity: z.number().min(0),
	datetime: providerTimestampSchema,
});

type ElectricityMapsSettings = z.output<typeof electricityMapsConfigSchema>;

/** GETs one of the v3 carbon-intensity resources for `ctx.zone`; the signal and forecast adapters share it. */
export function getElectricityMaps(
	cfg: ElectricityMapsSettings,
	runtime: ProviderRuntime,
	ctx: CallContext,
	resource: "latest" | "forecast",
	signal: AbortSignal | undefined,
): Promise<unknown> {
	const query: Record<string, string> = { zone: ctx.zone };
	if (cfg.emissionFactorType) query.emissionFactorType = cfg.emissionFactorType;
	return getJson(ctx, {
		url: buildUrl(cfg.baseUrl, `/v3/carbon-intensity/${resource}`, query),
		headers: { "auth-token": cfg.apiKey },
		timeoutMs: cfg.timeoutMs,
		signal,
		fetch: runtime.fetch ?? fetch,
	});
}

/** Refuses an answer about another zone than the one asked for. */
export function checkZone(ctx: CallContext, answered: string): void {
	if (answered !== ctx.zone) {
		throw new CarbonProviderError(ctx.source, ctx.zone, "malformed", `zone: expected "${ctx.zone}", got "${answered}"`);
	}
}

/** Creates the Electricity Maps adapter; throws `CarbonConfigError` on a bad config. */
export function createElectricityMapsProvider(
	config: ElectricityMapsConfig,
	runtime: ProviderRuntime = {},
): CarbonProvider {
	const cfg = parseConfig(electricityMapsConfigSchema, config, "electricitymaps");
	const now = runtime.now ?? Date.now;
	return zoneProvider({
		source: "electricitymaps",
		zones: undefined,
		target: (zone) => (gridZoneSchema.safeParse(zone).success ? zone : undefined),
		unsupported: (zone) => `"${zone}" is not an Electricity Maps zone code`,
		async fetch(zone, _target, options, ctx) {
			const body = await getElectricityMaps(cfg, runtime, ctx, "latest", options.signal);
			const latest = parseProviderResponse(ctx, latestResponseSchema, body, "carbon-intensity/latest");
			checkZone(ctx, latest.zone);
			return {
				zone,
				gco2PerKwh: latest.carbonIntensity,
				source: "electricitymaps",
				observedAt: latest.datetime,
				fetchedAt: now(),
			};
		},
	});
}
