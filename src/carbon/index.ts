/** Carbon signals: one adapter per provider, the fallback cache and node-level weighting. */
export { createCarbonAwareSdkProvider } from "./carbon-aware-sdk.js";
export { type CarbonEnv, type CarbonProviderName, parseCarbonEnv } from "./config.js";
export { createElectricityMapsProvider } from "./electricitymaps.js";
export { effectiveIntensity, type NodePowerReport, nodePowerReportSchema } from "./node-power.js";
export { CarbonConfigError, CarbonProviderError } from "./provider-error.js";
export { providerFromConfig } from "./provider-from-config.js";
export { DEFAULT_CARBON_AWARE_SDK_LOCATIONS, DEFAULT_WATTTIME_REGIONS } from "./provider-mappings.js";
export { type CarbonRefreshInput, type CarbonRefreshSummary, formatRefreshSummary, refreshCarbon } from "./refresh.js";
export {
	type CarbonProvider,
	type CarbonSignal,
	type CarbonSource,
	carbonSignalSchema,
	LBS_PER_MWH_TO_G_PER_KWH,
} from "./signal.js";
export {
	DEFAULT_MAX_SIGNAL_AGE_MS,
	nextZoneState,
	refreshCarbonSignals,
	type ZoneCarbonState,
} from "./signal-cache.js";
export { createStaticProvider, defaultsFromCatalogue } from "./static.js";
export { createUkCarbonIntensityProvider } from "./uk-carbon-intensity.js";
export { createWattTimeProvider } from "./watttime.js";
