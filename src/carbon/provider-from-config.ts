/**
 * Builds the configured live provider from the parsed env. Kept apart from
 * the refresh so tests can hand the refresh any `CarbonProvider` instead.
 */
import { createCarbonAwareSdkProvider } from "./carbon-aware-sdk.js";
import type { CarbonEnv } from "./config.js";
import { createElectricityMapsProvider } from "./electricitymaps.js";
import { CarbonConfigError } from "./provider-error.js";
import type { CarbonProvider, ProviderRuntime } from "./signal.js";
import { createStaticProvider } from "./static.js";
import { createUkCarbonIntensityProvider } from "./uk-carbon-intensity.js";
import { createWattTimeProvider } from "./watttime.js";

/** Static defaults by grid zone, used when `CARBON_PROVIDER` is `static`. */
export type StaticDefaults = Record<string, number>;

function required(value: string | undefined, name: string): string {
	// parseCarbonEnv already checked; this keeps the types honest without a cast.
	if (value === undefined) throw new CarbonConfigError(`carbon config: ${name} is not set`);
	return value;
}

/** Creates the provider `CARBON_PROVIDER` names; throws `CarbonConfigError` on a bad adapter config. */
export function providerFromConfig(
	cfg: CarbonEnv,
	staticDefaults: StaticDefaults,
	runtime: ProviderRuntime = {},
): CarbonProvider {
	const timeoutMs = cfg.CARBON_TIMEOUT_MS;
	switch (cfg.CARBON_PROVIDER) {
		case "static":
			return createStaticProvider({ defaults: staticDefaults }, runtime);
		case "electricitymaps":
			return createElectricityMapsProvider(
				{
					apiKey: required(cfg.ELECTRICITYMAPS_API_KEY, "ELECTRICITYMAPS_API_KEY"),
					baseUrl: cfg.ELECTRICITYMAPS_BASE_URL,
					timeoutMs,
				},
				runtime,
			);
		case "watttime":
			return createWattTimeProvider(
				{
					username: required(cfg.WATTTIME_USERNAME, "WATTTIME_USERNAME"),
					password: required(cfg.WATTTIME_PASSWORD, "WATTTIME_PASSWORD"),
					regions: cfg.WATTTIME_REGIONS,
					baseUrl: cfg.WATTTIME_BASE_URL,
					timeoutMs,
				},
				runtime,
			);
		case "uk-carbon-intensity":
			return createUkCarbonIntensityProvider(
				{ baseUrl: cfg.UK_CARBON_INTENSITY_BASE_URL, regionId: cfg.UK_CARBON_INTENSITY_REGION_ID, timeoutMs },
				runtime,
			);
		case "carbon-aware-sdk":
			return createCarbonAwareSdkProvider(
				{
					baseUrl: required(cfg.CARBON_AWARE_SDK_BASE_URL, "CARBON_AWARE_SDK_BASE_URL"),
					locations: cfg.CARBON_AWARE_SDK_LOCATIONS,
					ratingUnit: cfg.CARBON_AWARE_SDK_RATING_UNIT,
					timeoutMs,
				},
				runtime,
			);
	}
}
