/**
 * The forecast adapter of the provider `CARBON_PROVIDER` names, built from
 * the same vars and secrets as its signal adapter; null for `static`, which
 * has no forecast (the batch scheduler then uses the daily-profile fallback).
 */
import type { CarbonEnv } from "../config.js";
import { CarbonConfigError } from "../provider-error.js";
import type { ProviderRuntime } from "../signal.js";
import { createCarbonAwareSdkForecast } from "./carbon-aware-sdk-forecast.js";
import { createElectricityMapsForecast } from "./electricitymaps-forecast.js";
import type { ForecastProvider } from "./forecast.js";
import { createUkForecast } from "./uk-forecast.js";
import { createWattTimeForecast } from "./watttime-forecast.js";

function required(value: string | undefined, name: string): string {
	if (value === undefined || value === "")
		throw new CarbonConfigError(`${name}: required by CARBON_PROVIDER, got nothing`);
	return value;
}

/** The configured provider's forecast adapter, or null when it offers none. */
export function forecastFromConfig(cfg: CarbonEnv, runtime: ProviderRuntime = {}): ForecastProvider | null {
	const timeoutMs = cfg.CARBON_TIMEOUT_MS;
	switch (cfg.CARBON_PROVIDER) {
		case "static":
			return null;
		case "electricitymaps":
			return createElectricityMapsForecast(
				{
					apiKey: required(cfg.ELECTRICITYMAPS_API_KEY, "ELECTRICITYMAPS_API_KEY"),
					baseUrl: cfg.ELECTRICITYMAPS_BASE_URL,
					timeoutMs,
				},
				runtime,
			);
		case "watttime":
			return createWattTimeForecast(
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
			return createUkForecast({ baseUrl: cfg.UK_CARBON_INTENSITY_BASE_URL, timeoutMs }, runtime);
		case "carbon-aware-sdk":
			return createCarbonAwareSdkForecast(
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
