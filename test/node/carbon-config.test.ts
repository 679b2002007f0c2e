/**
 * The carbon refresh's env config (src/carbon/config.ts) and the provider it
 * builds (src/carbon/provider-from-config.ts): defaults, errors that name the
 * var, the value and what is allowed (never a secret), and each configured
 * provider reaching a fake server that speaks its real format.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseCarbonEnv } from "../../src/carbon/config.js";
import { CarbonConfigError } from "../../src/carbon/provider-error.js";
import { providerFromConfig } from "../../src/carbon/provider-from-config.js";
import { DEFAULT_CARBON_AWARE_SDK_LOCATIONS, DEFAULT_WATTTIME_REGIONS } from "../../src/carbon/provider-mappings.js";
import {
	type FakeServer,
	startFakeCarbonAwareSdk,
	startFakeElectricityMaps,
	startFakeUkCarbonIntensity,
	startFakeWattTime,
} from "../support/fake-carbon-servers.js";

const at = "2026-11-23T12:00:00.000Z";
const now = () => Date.parse("2026-11-23T12:02:00Z");
const fakes: FakeServer[] = [];
const track = <T extends FakeServer>(fake: T): T => {
	fakes.push(fake);
	return fake;
};

afterEach(async () => {
	await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const configError = (env: object): string => {
	try {
		parseCarbonEnv(env);
	} catch (err) {
		expect(err).toBeInstanceOf(CarbonConfigError);
		return (err as Error).message;
	}
	throw new Error("expected a CarbonConfigError");
};

describe("carbon config", () => {
	it("defaults to the static provider, a 6 h max age and the providers' public URLs", () => {
		const cfg = parseCarbonEnv({});
		expect(cfg).toMatchObject({
			CARBON_PROVIDER: "static",
			CARBON_MAX_AGE_MS: 21_600_000,
			CARBON_TIMEOUT_MS: 5_000,
			CARBON_REFRESH_CONCURRENCY: 6,
			ELECTRICITYMAPS_BASE_URL: "https://api.electricitymap.org",
			WATTTIME_BASE_URL: "https://api.watttime.org",
			UK_CARBON_INTENSITY_BASE_URL: "https://api.carbonintensity.org.uk",
			WATTTIME_REGIONS: DEFAULT_WATTTIME_REGIONS,
			CARBON_AWARE_SDK_LOCATIONS: DEFAULT_CARBON_AWARE_SDK_LOCATIONS,
		});
		expect(cfg.CARBON_AWARE_SDK_BASE_URL).toBeUndefined();
	});

	it("reads numbers and JSON maps from string vars", () => {
		const cfg = parseCarbonEnv({
			CARBON_MAX_AGE_MS: "3600000",
			UK_CARBON_INTENSITY_REGION_ID: "13",
			WATTTIME_REGIONS: '{"US-CAL-CISO":"CAISO_NORTH"}',
		});
		expect(cfg.CARBON_MAX_AGE_MS).toBe(3_600_000);
		expect(cfg.UK_CARBON_INTENSITY_REGION_ID).toBe(13);
		expect(cfg.WATTTIME_REGIONS).toEqual({ "US-CAL-CISO": "CAISO_NORTH" });
	});

	it("names an unknown provider and lists the allowed ones", () => {
		expect(configError({ CARBON_PROVIDER: "wattime" })).toMatch(
			/CARBON_PROVIDER: expected "static" or "electricitymaps" or "watttime" or "uk-carbon-intensity" or "carbon-aware-sdk", got "wattime" \(string\)/,
		);
	});

	it("names an out-of-range max age with the value received", () => {
		expect(configError({ CARBON_MAX_AGE_MS: "1000" })).toMatch(
			/CARBON_MAX_AGE_MS: expected a value >= 60000, got "1000"/,
		);
	});

	it("names a region map that is not JSON", () => {
		expect(configError({ WATTTIME_REGIONS: "CAISO_NORTH" })).toMatch(/WATTTIME_REGIONS: expected record/);
	});

	it("names the credentials a provider needs when they are missing", () => {
		expect(configError({ CARBON_PROVIDER: "electricitymaps" })).toMatch(
			/CARBON_PROVIDER "electricitymaps" needs ELECTRICITYMAPS_API_KEY, which is not set/,
		);
		expect(configError({ CARBON_PROVIDER: "carbon-aware-sdk", CARBON_AWARE_SDK_BASE_URL: "" })).toMatch(
			/needs CARBON_AWARE_SDK_BASE_URL/,
		);
	});

	it("never quotes a secret in its errors", () => {
		const message = configError({
			CARBON_PROVIDER: "watttime",
			WATTTIME_USERNAME: "ops@example.org",
			WATTTIME_PASSWORD: "hunter2-secret",
			CARBON_TIMEOUT_MS: "fast",
		});
		expect(message).toMatch(/CARBON_TIMEOUT_MS/);
		expect(message).not.toContain("hunter2-secret");
	});
});

describe("provider from config", () => {
	it("builds the static provider over the catalogue defaults it is given", async () => {
		const provider = providerFromConfig(parseCarbonEnv({}), { FR: 33 }, { now });
		expect(await provider.fetchSignal("FR")).toMatchObject({ source: "static", gco2PerKwh: 33 });
	});

	it("reaches Electricity Maps at ELECTRICITYMAPS_BASE_URL with the API key", async () => {
		const fake = track(
			await startFakeElectricityMaps({ apiKey: "em-key", zones: { DE: { carbonIntensity: 302, datetime: at } } }),
		);
		const cfg = parseCarbonEnv({
			CARBON_PROVIDER: "electricitymaps",
			ELECTRICITYMAPS_API_KEY: "em-key",
			ELECTRICITYMAPS_BASE_URL: fake.baseUrl,
		});
		const signal = await providerFromConfig(cfg, {}, { now }).fetchSignal("DE");
		expect(signal).toMatchObject({ zone: "DE", gco2PerKwh: 302, source: "electricitymaps", observedAt: at });
	});

	it("reaches WattTime with the default region map and converts MOER to g/kWh", async () => {
		const fake = track(
			await startFakeWattTime({
				username: "u",
				password: "p",
				regions: { CAISO_NORTH: [{ point_time: at, value: 1000 }] },
			}),
		);
		const cfg = parseCarbonEnv({
			CARBON_PROVIDER: "watttime",
			WATTTIME_USERNAME: "u",
			WATTTIME_PASSWORD: "p",
			WATTTIME_BASE_URL: fake.baseUrl,
		});
		const provider = providerFromConfig(cfg, {}, { now });
		expect(provider.zones).toEqual(Object.keys(DEFAULT_WATTTIME_REGIONS));
		const signal = await provider.fetchSignal("US-CAL-CISO");
		expect(signal.gco2PerKwh).toBeCloseTo(453.592, 6);
	});

	it("reaches the UK API for GB only, with the configured region", async () => {
		const fake = track(
			await startFakeUkCarbonIntensity({
				national: { from: at, to: at, forecast: 200, actual: 190 },
				regions: { 13: { from: at, to: at, forecast: 150 } },
			}),
		);
		const cfg = parseCarbonEnv({
			CARBON_PROVIDER: "uk-carbon-intensity",
			UK_CARBON_INTENSITY_BASE_URL: fake.baseUrl,
			UK_CARBON_INTENSITY_REGION_ID: "13",
		});
		const provider = providerFromConfig(cfg, {}, { now });
		expect(provider.zones).toEqual(["GB"]);
		expect(await provider.fetchSignal("GB")).toMatchObject({ gco2PerKwh: 150, source: "uk-carbon-intensity" });
		expect(fake.requests.map((r) => r.path)).toEqual(["/regional/regionid/13"]);
	});

	it("reaches the Carbon Aware SDK with the default location map and the configured unit", async () => {
		const fake = track(
			await startFakeCarbonAwareSdk({ locations: { northeurope: [{ time: "2026-11-23T11:55:00Z", rating: 500 }] } }),
		);
		const cfg = parseCarbonEnv({
			CARBON_PROVIDER: "carbon-aware-sdk",
			CARBON_AWARE_SDK_BASE_URL: fake.baseUrl,
			CARBON_AWARE_SDK_RATING_UNIT: "lbs/MWh",
		});
		const signal = await providerFromConfig(cfg, {}, { now }).fetchSignal("IE");
		expect(signal.gco2PerKwh).toBeCloseTo(500 * 0.453592, 6);
		expect(fake.requests[0]?.query.get("location")).toBe("northeurope");
	});
});
