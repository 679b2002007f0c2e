/**
 * The carbon refresh's configuration, read from the Worker's env: which
 * provider, where it lives, its credentials (optional secrets, since the
 * default static provider needs none) and the cache limits. Every var is
 * validated here so a typo fails with the var's name, the value received and
 * what is allowed, instead of a provider error at 3 a.m.
 */
import * as z from "zod";
import { CarbonConfigError, describeIssues } from "./provider-error.js";
import { baseUrlSchema } from "./provider-http.js";
import { DEFAULT_CARBON_AWARE_SDK_LOCATIONS, DEFAULT_WATTTIME_REGIONS } from "./provider-mappings.js";
import { DEFAULT_MAX_SIGNAL_AGE_MS } from "./signal-cache.js";

/** Providers `CARBON_PROVIDER` may name. */
export const carbonProviderNameSchema = z.enum([
	"static",
	"electricitymaps",
	"watttime",
	"uk-carbon-intensity",
	"carbon-aware-sdk",
]);
export type CarbonProviderName = z.infer<typeof carbonProviderNameSchema>;

/** An integer var (vars are strings) within [min, max], with a default when unset or empty. */
function intVar(min: number, max: number, fallback: number) {
	return z.preprocess(
		(v) => (v === undefined || v === "" ? fallback : typeof v === "string" ? Number(v) : v),
		z.number().int().min(min).max(max),
	);
}

/** An optional string var; empty counts as unset (wrangler vars cannot be removed per environment). */
const optionalString = z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional());

/** A JSON object var mapping grid zones to provider locations; unset keeps the built-in map. */
function jsonMapVar(fallback: Readonly<Record<string, string>>) {
	return z.preprocess(
		(v) => {
			if (v === undefined || v === "") return fallback;
			if (typeof v !== "string") return v;
			try {
				return JSON.parse(v);
			} catch {
				return v;
			}
		},
		z.record(z.string().min(1), z.string().min(1)),
	);
}

const carbonEnvSchema = z.object({
	/** Which provider refreshes the signals: default `static` (the catalogue's yearly averages). */
	CARBON_PROVIDER: z.preprocess((v) => (v === undefined || v === "" ? "static" : v), carbonProviderNameSchema),
	/** Oldest reading still used (ms): default 6 h, from 1 min to 7 days. */
	CARBON_MAX_AGE_MS: intVar(60_000, 7 * 86_400_000, DEFAULT_MAX_SIGNAL_AGE_MS),
	/** Per-request provider timeout (ms): default 5,000, from 100 to 60,000. */
	CARBON_TIMEOUT_MS: intVar(100, 60_000, 5_000),
	/** Provider calls in flight at once: default 6 (a Worker invocation's open-connection limit), 1 to 32. */
	CARBON_REFRESH_CONCURRENCY: intVar(1, 32, 6),
	ELECTRICITYMAPS_BASE_URL: baseUrlSchema.default("https://api.electricitymap.org"),
	WATTTIME_BASE_URL: baseUrlSchema.default("https://api.watttime.org"),
	UK_CARBON_INTENSITY_BASE_URL: baseUrlSchema.default("https://api.carbonintensity.org.uk"),
	/** Self-hosted WebAPI: no default, required only when it is the provider. */
	CARBON_AWARE_SDK_BASE_URL: z.preprocess((v) => (v === "" ? undefined : v), baseUrlSchema.optional()),
	/** Optional secret: Electricity Maps API key. */
	ELECTRICITYMAPS_API_KEY: optionalString,
	/** Optional secrets: WattTime account. */
	WATTTIME_USERNAME: optionalString,
	WATTTIME_PASSWORD: optionalString,
	/** JSON grid zone -> WattTime region; default `DEFAULT_WATTTIME_REGIONS`. */
	WATTTIME_REGIONS: jsonMapVar(DEFAULT_WATTTIME_REGIONS),
	/** JSON grid zone -> SDK location; default `DEFAULT_CARBON_AWARE_SDK_LOCATIONS`. */
	CARBON_AWARE_SDK_LOCATIONS: jsonMapVar(DEFAULT_CARBON_AWARE_SDK_LOCATIONS),
	/** Unit of the SDK's `rating`: `g/kWh` (default) or `lbs/MWh` when the SDK sits on WattTime. */
	CARBON_AWARE_SDK_RATING_UNIT: z.preprocess(
		(v) => (v === "" ? undefined : v),
		z.enum(["g/kWh", "lbs/MWh"]).optional(),
	),
	/** UK DNO region 1 to 17 for the regional figure; unset = national. */
	UK_CARBON_INTENSITY_REGION_ID: z.preprocess(
		(v) => (v === undefined || v === "" ? undefined : typeof v === "string" ? Number(v) : v),
		z.number().int().min(1).max(17).optional(),
	),
});
export type CarbonEnv = z.output<typeof carbonEnvSchema>;

/** What each provider needs besides its base URL: checked here so the error names the missing var. */
const REQUIRED_BY_PROVIDER: Record<CarbonProviderName, readonly (keyof CarbonEnv)[]> = {
	static: [],
	electricitymaps: ["ELECTRICITYMAPS_API_KEY"],
	watttime: ["WATTTIME_USERNAME", "WATTTIME_PASSWORD"],
	"uk-carbon-intensity": [],
	"carbon-aware-sdk": ["CARBON_AWARE_SDK_BASE_URL"],
};

/** Parses the carbon vars of `env`; throws `CarbonConfigError` naming the var, the value and what is allowed. */
export function parseCarbonEnv(env: object): CarbonEnv {
	const result = carbonEnvSchema.safeParse(env);
	if (!result.success) {
		throw new CarbonConfigError(`carbon config: ${describeIssues(result.error.issues, env)}`);
	}
	const cfg = result.data;
	const missing = REQUIRED_BY_PROVIDER[cfg.CARBON_PROVIDER].filter((name) => cfg[name] === undefined);
	if (missing.length > 0) {
		throw new CarbonConfigError(
			`carbon config: CARBON_PROVIDER "${cfg.CARBON_PROVIDER}" needs ${missing.join(" and ")}, which ${missing.length > 1 ? "are" : "is"} not set`,
		);
	}
	return cfg;
}
