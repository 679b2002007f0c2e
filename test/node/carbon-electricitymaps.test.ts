/** Electricity Maps v3 adapter against a fake speaking its format. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createElectricityMapsProvider } from "../../src/carbon/electricitymaps.js";
import { CarbonConfigError, CarbonProviderError } from "../../src/carbon/provider-error.js";
import { type FakeServer, startFakeElectricityMaps } from "../support/fake-carbon-servers.js";

const NOW = Date.parse("2026-11-23T12:10:00Z");
let fake: FakeServer;

beforeAll(async () => {
	fake = await startFakeElectricityMaps({
		apiKey: "em-key-123",
		zones: {
			DE: { carbonIntensity: 302, datetime: "2026-11-23T12:00:00.000Z" },
			"SE-SE3": { carbonIntensity: 21, datetime: "2026-11-23T12:00:00+00:00" },
		},
	});
});
afterAll(() => fake.close());

describe("Electricity Maps adapter", () => {
	it("asks /v3/carbon-intensity/latest for the zone with the auth-token header and returns g/kWh as is", async () => {
		const provider = createElectricityMapsProvider(
			{ apiKey: "em-key-123", baseUrl: `${fake.baseUrl}/` },
			{ now: () => NOW },
		);
		const signal = await provider.fetchSignal("SE-SE3");
		expect(signal).toEqual({
			zone: "SE-SE3",
			gco2PerKwh: 21,
			source: "electricitymaps",
			observedAt: "2026-11-23T12:00:00.000Z",
			fetchedAt: NOW,
		});
		const req = fake.requests.at(-1);
		expect(req?.path).toBe("/v3/carbon-intensity/latest");
		expect(req?.query.get("zone")).toBe("SE-SE3");
		expect(req?.headers["auth-token"]).toBe("em-key-123");
	});

	it("passes emissionFactorType when configured", async () => {
		const provider = createElectricityMapsProvider({
			apiKey: "em-key-123",
			baseUrl: fake.baseUrl,
			emissionFactorType: "direct",
		});
		await provider.fetchSignal("DE");
		expect(fake.requests.at(-1)?.query.get("emissionFactorType")).toBe("direct");
	});

	it("reports a rejected key as an auth failure with the HTTP status", async () => {
		const provider = createElectricityMapsProvider({ apiKey: "wrong", baseUrl: fake.baseUrl });
		const err = await provider.fetchSignal("DE").catch((e: unknown) => e);
		expect(err).toBeInstanceOf(CarbonProviderError);
		expect(err).toMatchObject({ reason: "auth", status: 401, source: "electricitymaps", zone: "DE" });
	});

	it("refuses a zone code that is not an Electricity Maps code without calling out", async () => {
		const provider = createElectricityMapsProvider({ apiKey: "em-key-123", baseUrl: fake.baseUrl });
		const before = fake.requests.length;
		await expect(provider.fetchSignal("eu-frankfurt")).rejects.toMatchObject({ reason: "unsupported-zone" });
		expect(fake.requests.length).toBe(before);
	});

	it("rejects a config without an API key, naming the field", () => {
		expect(() => createElectricityMapsProvider({ apiKey: "" })).toThrow(CarbonConfigError);
		expect(() => createElectricityMapsProvider({ apiKey: "k", baseUrl: "ftp://x" })).toThrow(/baseUrl/);
	});
});
