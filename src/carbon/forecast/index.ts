/** Carbon-intensity forecasts for the batch scheduler: the shape, the provider adapters and the daily-profile fallback. */
export { createCarbonAwareSdkForecast } from "./carbon-aware-sdk-forecast.js";
export { dailyProfileForecast, type Observation } from "./daily-profile.js";
export { createElectricityMapsForecast } from "./electricitymaps-forecast.js";
export {
	type CarbonForecast,
	type ForecastPoint,
	type ForecastProvider,
	type ForecastSource,
	forecastAt,
} from "./forecast.js";
export { forecastFromConfig } from "./forecast-from-config.js";
export { createUkForecast } from "./uk-forecast.js";
export { createWattTimeForecast } from "./watttime-forecast.js";
