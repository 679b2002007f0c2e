/**
 * The forecast adapters against answers in each provider's real format: the
 * recorded samples of data/carbon-api-formats/, extended with more points
 * where a sample has one, served by a fake fetch that records each request.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
	createCarbonAwareSdkForecast,
	createElectricityMapsForecast,
	createUkForecast,
	createWattTimeForecast,
	dailyProfileForecast,
	forecastAt,
} from "../../src/carbon/forecast/index.js";

function sample(file: string): Record<string, unknown> {
	return JSON.parse(readFileSync(new URL(`../../data/carbon-api-formats/${file}`, import.meta.url), "utf8"));
}

interface Recorded {
	url: URL;
	headers: Headers;
}

/** A fetch that answers `route(url)` as JSON (or the status it returns) and records each request. */
function fakeFetch(route: (url: URL) => unknown | { status: number }): { fetch: typeof fetch; requests: Recorded[] } {
	const requests: Recorded[] = [];
	const f = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
		const url = new URL(String(input));
		requests.push({ url, headers: new Headers(init?.headers) });
		const body = route(url);
		if (body && typeof body === "object" && "status" in body && typeof body.status === "number") {
			return new Response("denied", { status: body.status });
		}
		return Response.json(body);
	};
	return { fetch: f as typeof fetch, requests };
}

describe("Electricity Maps forecast", () => {
	it("reads /v3/carbon-intensity/forecast into hourly points, with the auth-token header", async () => {
		const recorded = sample("electricitymaps_v3.json").forecast_response as { forecast: object[] };
		const body = {
			...recorded,
			zone: "DE",
			forecast: [
				{ carbonIntensity: 300, datetime: "2026-12-06T05:00:00.000Z" },
				{ carbonIntensity: 120, datetime: "2026-12-06T06:00:00.000Z" },
				...recorded.forecast,
			],
		};
		const fake = fakeFetch(() => body);
		const provider = createElectricityMapsForecast({ apiKey: "k", baseUrl: "https://em.test" }, { fetch: fake.fetch });
		const forecast = await provider.fetchForecast("DE");
		expect(fake.requests[0]?.url.pathname).toBe("/v3/carbon-intensity/forecast");
		expect(fake.requests[0]?.url.searchParams.get("zone")).toBe("DE");
		expect(fake.requests[0]?.headers.get("auth-token")).toBe("k");
		expect(forecast.source).toBe("electricitymaps");
		expect(forecast.points[0]).toEqual({
			startMs: Date.parse("2026-12-06T05:00Z"),
			durationMs: 3_600_000,
			gco2PerKwh: 300,
		});
		expect(forecastAt(forecast, Date.parse("2026-12-06T06:30Z"))).toBe(120);
		expect(forecast.points.at(-1)?.gco2PerKwh).toBe(999);
	});

	it("refuses an answer for another zone, naming both", async () => {
		const fake = fakeFetch(() => sample("electricitymaps_v3.json").forecast_response);
		const provider = createElectricityMapsForecast({ apiKey: "k", baseUrl: "https://em.test" }, { fetch: fake.fetch });
		await expect(provider.fetchForecast("DE")).rejects.toThrow(/zone: expected "DE", got "NL"/);
	});
});

describe("WattTime forecast", () => {
	it("logs in, then reads /v3/forecast in lbs/MWh as g/kWh with the period from meta", async () => {
		const recorded = sample("watttime_v3.json").forecast_response;
		const fake = fakeFetch((url) => (url.pathname === "/login" ? { token: "t1" } : recorded));
		const provider = createWattTimeForecast(
			{ username: "u", password: "p", regions: { "US-CAL-CISO": "CAISO_NORTH" }, baseUrl: "https://wt.test" },
			{ fetch: fake.fetch },
		);
		const forecast = await provider.fetchForecast("US-CAL-CISO");
		expect(fake.requests.map((r) => r.url.pathname)).toEqual(["/login", "/v3/forecast"]);
		expect(fake.requests[1]?.headers.get("authorization")).toBe("Bearer t1");
		expect(fake.requests[1]?.url.searchParams.get("region")).toBe("CAISO_NORTH");
		expect(forecast.points).toHaveLength(2);
		expect(forecast.points[0]?.durationMs).toBe(300_000);
		expect(forecast.points[0]?.gco2PerKwh).toBeCloseTo(1048.4131919701972 * 0.453592, 6);
		expect(forecast.generatedAt).toBe(Date.parse("2022-07-15T00:00:00Z"));
	});

	it("refuses a zone with no configured region before any request", async () => {
		const fake = fakeFetch(() => ({}));
		const provider = createWattTimeForecast(
			{ username: "u", password: "p", regions: { "US-CAL-CISO": "CAISO_NORTH" }, baseUrl: "https://wt.test" },
			{ fetch: fake.fetch },
		);
		await expect(provider.fetchForecast("DE")).rejects.toMatchObject({ reason: "unsupported-zone" });
		expect(fake.requests).toHaveLength(0);
	});
});

describe("UK Carbon Intensity 48 h forecast", () => {
	it("reads /intensity/{from}/fw48h half-hours from now, GB only", async () => {
		const recorded = (sample("uk_carbonintensity.json").intensity as { data: object[] }).data;
		const body = {
			data: [
				...recorded,
				{ from: "2018-01-20T12:30Z", to: "2018-01-20T13:00Z", intensity: { forecast: 90, actual: null, index: "low" } },
			],
		};
		const fake = fakeFetch(() => body);
		const now = Date.parse("2018-01-20T12:07:00Z");
		const provider = createUkForecast({ baseUrl: "https://uk.test" }, { fetch: fake.fetch, now: () => now });
		const forecast = await provider.fetchForecast("GB");
		expect(fake.requests[0]?.url.pathname).toBe("/intensity/2018-01-20T12:07Z/fw48h");
		expect(forecast.points.map((p) => p.gco2PerKwh)).toEqual([266, 90]);
		expect(forecast.points[0]?.durationMs).toBe(1_800_000);
		await expect(provider.fetchForecast("IE")).rejects.toMatchObject({ reason: "unsupported-zone" });
	});
});

describe("Carbon Aware SDK forecast", () => {
	it("reads /emissions/forecasts/current, durations in minutes, in the configured unit", async () => {
		const fake = fakeFetch(() => sample("gsf_carbon_aware_sdk_webapi.json").forecasts_current_response);
		const provider = createCarbonAwareSdkForecast(
			{ baseUrl: "https://sdk.test", locations: { IE: "northeurope" } },
			{ fetch: fake.fetch },
		);
		const forecast = await provider.fetchForecast("IE");
		expect(fake.requests[0]?.url.searchParams.get("location")).toBe("northeurope");
		expect(forecast.points).toEqual([
			{ startMs: Date.parse("2022-07-19T14:00:00Z"), durationMs: 600_000, gco2PerKwh: 532.02293146 },
		]);
		expect(forecast.generatedAt).toBe(Date.parse("2022-07-19T13:35:00Z"));
	});

	it("refuses a malformed answer, naming the field", async () => {
		const fake = fakeFetch(() => [
			{ generatedAt: "2022-07-19T13:35:00Z", location: "x", forecastData: [{ value: -1 }] },
		]);
		const provider = createCarbonAwareSdkForecast(
			{ baseUrl: "https://sdk.test", locations: { IE: "northeurope" } },
			{ fetch: fake.fetch },
		);
		await expect(provider.fetchForecast("IE")).rejects.toMatchObject({ reason: "malformed" });
	});
});

describe("daily-profile fallback", () => {
	it("forecasts each hour as the mean of the same hour on past days, ignoring anything after now", () => {
		const day = 86_400_000;
		const now = Date.parse("2026-12-06T10:20:00Z");
		const history = [
			{ atMs: Date.parse("2026-12-04T12:00Z"), gco2PerKwh: 100 },
			{ atMs: Date.parse("2026-12-05T12:00Z"), gco2PerKwh: 200 },
			{ atMs: Date.parse("2026-12-06T10:00Z"), gco2PerKwh: 400 },
			{ atMs: now + day / 24, gco2PerKwh: 1 },
		];
		const forecast = dailyProfileForecast("DE", history, now, 6, 300);
		expect(forecast.source).toBe("daily-profile");
		expect(forecast.points).toHaveLength(6);
		expect(forecastAt(forecast, now)).toBe(400);
		expect(forecastAt(forecast, Date.parse("2026-12-06T12:30Z"))).toBe(150);
		// No history for 11:00: the latest value stands in.
		expect(forecastAt(forecast, Date.parse("2026-12-06T11:30Z"))).toBe(400);
	});
});
