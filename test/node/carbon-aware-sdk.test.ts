/** Carbon Aware SDK WebAPI adapter: location mapping, latest point, configured units. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCarbonAwareSdkProvider } from "../../src/carbon/carbon-aware-sdk.js";
import { type FakeServer, startFakeCarbonAwareSdk } from "../support/fake-carbon-servers.js";

const NOW = Date.parse("2026-11-23T12:30:00Z");
let fake: FakeServer;
beforeAll(async () => {
	fake = await startFakeCarbonAwareSdk({
		locations: {
			northeurope: [
				{ time: "2026-11-23T11:00:00+00:00", rating: 500 },
				{ time: "2026-11-23T12:00:00.1234567+00:00", rating: 448.4451043375 },
			],
		},
	});
});
afterAll(() => fake.close());

describe("Carbon Aware SDK adapter", () => {
	it("asks /emissions/bylocation for the mapped location over the lookback window and takes the latest rating", async () => {
		const provider = createCarbonAwareSdkProvider(
			{ baseUrl: fake.baseUrl, locations: { IE: "northeurope" } },
			{ now: () => NOW },
		);
		const signal = await provider.fetchSignal("IE");
		expect(signal).toEqual({
			zone: "IE",
			gco2PerKwh: 448.4451043375,
			source: "carbon-aware-sdk",
			observedAt: "2026-11-23T12:00:00.123Z",
			fetchedAt: NOW,
		});
		const req = fake.requests.at(-1);
		expect(req?.path).toBe("/emissions/bylocation");
		expect(req?.query.get("location")).toBe("northeurope");
		expect(req?.query.get("time")).toBe("2026-11-23T11:30:00.000Z");
		expect(req?.query.get("toTime")).toBe("2026-11-23T12:30:00.000Z");
	});

	it("converts ratings from lbs/MWh when the SDK runs on WattTime", async () => {
		const provider = createCarbonAwareSdkProvider({
			baseUrl: fake.baseUrl,
			locations: { IE: "northeurope" },
			ratingUnit: "lbs/MWh",
		});
		expect((await provider.fetchSignal("IE")).gco2PerKwh).toBeCloseTo(448.4451043375 * 0.453592, 9);
	});

	it("refuses an unmapped zone and reports an SDK 400 with its body", async () => {
		const provider = createCarbonAwareSdkProvider({
			baseUrl: fake.baseUrl,
			locations: { IE: "northeurope", FR: "francecentral" },
		});
		await expect(provider.fetchSignal("DE")).rejects.toMatchObject({ reason: "unsupported-zone" });
		await expect(provider.fetchSignal("FR")).rejects.toThrow(/HTTP 400.*unknown location francecentral/);
	});
});
