/** UK Carbon Intensity API adapter: national and regional endpoints, GB only, no auth. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUkCarbonIntensityProvider } from "../../src/carbon/uk-carbon-intensity.js";
import { type FakeServer, startFakeUkCarbonIntensity } from "../support/fake-carbon-servers.js";

let fake: FakeServer;
beforeAll(async () => {
	fake = await startFakeUkCarbonIntensity({
		national: { from: "2026-11-23T12:00Z", to: "2026-11-23T12:30Z", forecast: 266, actual: 263 },
		regions: { 13: { from: "2026-11-23T12:00Z", to: "2026-11-23T12:30Z", forecast: 150 } },
	});
});
afterAll(() => fake.close());

describe("UK Carbon Intensity adapter", () => {
	it("reads the national /intensity figure, preferring the actual to the forecast, without auth", async () => {
		const signal = await createUkCarbonIntensityProvider({ baseUrl: fake.baseUrl }).fetchSignal("GB");
		expect(signal).toMatchObject({
			zone: "GB",
			gco2PerKwh: 263,
			source: "uk-carbon-intensity",
			observedAt: "2026-11-23T12:00:00.000Z",
		});
		const req = fake.requests.at(-1);
		expect(req?.path).toBe("/intensity");
		expect(req?.headers.authorization).toBeUndefined();
		expect(req?.headers.accept).toBe("application/json");
	});

	it("reads a region's forecast from /regional/regionid/{id}", async () => {
		const signal = await createUkCarbonIntensityProvider({ baseUrl: fake.baseUrl, regionId: 13 }).fetchSignal("GB");
		expect(signal.gco2PerKwh).toBe(150);
		expect(fake.requests.at(-1)?.path).toBe("/regional/regionid/13");
	});

	it("covers GB only", async () => {
		await expect(createUkCarbonIntensityProvider({ baseUrl: fake.baseUrl }).fetchSignal("IE")).rejects.toMatchObject({
			reason: "unsupported-zone",
		});
	});

	it("rejects a region id outside 1 to 17, naming the field", () => {
		expect(() => createUkCarbonIntensityProvider({ regionId: 18 })).toThrow(
			/regionId: expected a value <= 17, got 18 \(number\)/,
		);
	});
});
