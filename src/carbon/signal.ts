/**
 * The carbon signal: gCO2eq/kWh attributed to a grid zone right now, with where
 * it came from and when. Every provider adapter returns this one shape so that
 * routing and accounting never see a provider's own format or units.
 */
import * as z from "zod";

/** Providers a signal can come from. */
export const carbonSourceSchema = z.enum([
	"electricitymaps",
	"watttime",
	"uk-carbon-intensity",
	"carbon-aware-sdk",
	"static",
]);
export type CarbonSource = z.infer<typeof carbonSourceSchema>;

/** Electricity Maps grid zone codes: `DE`, `SE-SE3`, `US-NW-BPAT`. */
export const gridZoneSchema = z
	.string()
	.regex(/^[A-Z]{2,3}(-[A-Z0-9]{1,10}){0,3}$/, "an Electricity Maps zone code such as DE or US-NW-BPAT");

/** 1 lb = 453.592 g and 1 MWh = 1000 kWh, so lbs/MWh x 0.453592 = g/kWh. */
export const LBS_PER_MWH_TO_G_PER_KWH = 0.453592;

/** Any timestamp `Date.parse` understands (providers differ), normalised to ISO 8601 UTC with ms. */
export const providerTimestampSchema = z
	.string()
	.refine((s) => !Number.isNaN(Date.parse(s)), "an ISO 8601 timestamp")
	.transform((s) => new Date(Date.parse(s)).toISOString());

export const carbonSignalSchema = z.object({
	/** Grid zone code the figure applies to. */
	zone: gridZoneSchema,
	/** Carbon intensity in gCO2eq/kWh; 0 to 5000 (no grid is above ~1,100). */
	gco2PerKwh: z.number().min(0).max(5000),
	source: carbonSourceSchema,
	/** When the provider says the figure was true (ISO 8601 UTC). */
	observedAt: z.iso.datetime(),
	/** When we fetched it (epoch ms). */
	fetchedAt: z.number().int().min(0),
});
export type CarbonSignal = z.infer<typeof carbonSignalSchema>;

/** Per-call options of `CarbonProvider.fetchSignal`. */
export interface FetchSignalOptions {
	/** Caller's cancellation; combined with the adapter's own timeout. */
	signal?: AbortSignal;
}

/** One carbon-intensity provider. `fetchSignal` rejects only with a `CarbonProviderError`. */
export interface CarbonProvider {
	readonly source: CarbonSource;
	/** Grid zones this provider is configured for; `undefined` means any zone it is asked about. */
	readonly zones: readonly string[] | undefined;
	/** Fetches the current signal for a grid zone. */
	fetchSignal(zone: string, options?: FetchSignalOptions): Promise<CarbonSignal>;
}

/** What the adapters take besides their config: injectable for tests, real globals by default. */
export interface ProviderRuntime {
	/** Defaults to the global `fetch`. */
	fetch?: typeof fetch;
	/** Clock in epoch ms; defaults to `Date.now`. */
	now?: () => number;
}
