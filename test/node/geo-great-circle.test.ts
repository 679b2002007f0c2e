/** Haversine distance and the fibre model's arithmetic on known city pairs. */
import { describe, expect, it } from "vitest";
import { EARTH_MEAN_RADIUS_KM, greatCircleKm } from "../../src/geo/great-circle.js";
import { CLOUD_BACKBONE_MODEL, estimateRttMs, rttMsForDistance } from "../../src/geo/latency-model.js";

const london = { lat: 51.506325, lon: -0.127144 };
const paris = { lat: 48.85693, lon: 2.3412 };
const sydney = { lat: -33.869696, lon: 151.20704 };

describe("greatCircleKm", () => {
	it("measures London to Paris as about 343 km", () => {
		expect(greatCircleKm(london, paris)).toBeCloseTo(343.2, 0);
	});

	it("is symmetric and zero for the same point", () => {
		expect(greatCircleKm(paris, sydney)).toBeCloseTo(greatCircleKm(sydney, paris), 9);
		expect(greatCircleKm(sydney, sydney)).toBe(0);
	});

	it("gives half the circumference for antipodal points", () => {
		expect(greatCircleKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(Math.PI * EARTH_MEAN_RADIUS_KM, 6);
		expect(greatCircleKm({ lat: 90, lon: 0 }, { lat: -90, lon: 0 })).toBeCloseTo(Math.PI * EARTH_MEAN_RADIUS_KM, 6);
	});
});

describe("estimateRttMs", () => {
	it("charges 2.1 x 1 ms per 100 km with no floor by default", () => {
		expect(rttMsForDistance(1000)).toBeCloseTo(21, 9);
		expect(rttMsForDistance(0)).toBe(0);
		expect(estimateRttMs(london, paris)).toBeCloseTo((greatCircleKm(london, paris) * 2.1) / 100, 9);
	});

	it("applies another model's stretch and floor when given one", () => {
		expect(rttMsForDistance(1000, CLOUD_BACKBONE_MODEL)).toBeCloseTo(17, 9);
		expect(rttMsForDistance(-5, CLOUD_BACKBONE_MODEL)).toBe(2);
	});
});
