import { describe, expect, it } from "vitest";
import { rankZones, scoreZone, type ZoneFigures } from "../../src/routing/policy.js";
import { parsePolicy, parseTenantPolicy } from "../../src/routing/policy-parse.js";

const near: ZoneFigures = { zoneId: "near-dirty", estLatencyMs: 5, gco2PerKwh: 340, freeSlots: 4 };
const mid: ZoneFigures = { zoneId: "mid-clean", estLatencyMs: 25, gco2PerKwh: 21, freeSlots: 4 };
const far: ZoneFigures = { zoneId: "far-cleanest", estLatencyMs: 160, gco2PerKwh: 10, freeSlots: 4 };
const zones = [far, near, mid];
const order = (policy: Parameters<typeof rankZones>[1], list = zones) => rankZones(list, policy).map((z) => z.zoneId);

describe("routing policy scores", () => {
	it("ranks by latency alone under latency", () => {
		expect(order({ name: "latency" })).toEqual(["near-dirty", "mid-clean", "far-cleanest"]);
	});

	it("ranks by carbon alone under carbon", () => {
		expect(order({ name: "carbon" })).toEqual(["far-cleanest", "mid-clean", "near-dirty"]);
	});

	it("trades 1 ms for 1 g/kWh under balanced", () => {
		// mid: (25 + 21) / 2 / 100 = 0.23; far: 0.85; near: 1.725.
		const ranked = rankZones(zones, { name: "balanced" });
		expect(ranked.map((z) => z.zoneId)).toEqual(["mid-clean", "far-cleanest", "near-dirty"]);
		expect(ranked[0]?.score).toBeCloseTo(0.23, 6);
	});

	it("follows explicit weights, relative to each other", () => {
		expect(order({ name: "weights", latency: 0.99, carbon: 0.01 })).toEqual([
			"near-dirty",
			"mid-clean",
			"far-cleanest",
		]);
		expect(scoreZone(mid, { latency: 3, carbon: 7 })).toBeCloseTo(scoreZone(mid, { latency: 0.3, carbon: 0.7 }), 9);
	});

	it("breaks a latency tie by carbon, and a carbon tie by latency, then by zone id", () => {
		const a = { zoneId: "b-zone", estLatencyMs: 10, gco2PerKwh: 100, freeSlots: 1 };
		const b = { zoneId: "a-zone", estLatencyMs: 10, gco2PerKwh: 50, freeSlots: 1 };
		const c = { zoneId: "c-zone", estLatencyMs: 5, gco2PerKwh: 50, freeSlots: 1 };
		expect(order({ name: "latency" }, [a, b])).toEqual(["a-zone", "b-zone"]);
		expect(order({ name: "carbon" }, [b, c])).toEqual(["c-zone", "a-zone"]);
		const twin = { ...a, zoneId: "a-twin" };
		expect(order({ name: "balanced" }, [a, twin])).toEqual(["a-twin", "b-zone"]);
	});
});

describe("routing policy parsing", () => {
	it("accepts the presets and the weights syntax", () => {
		expect(parsePolicy("carbon", "x")).toEqual({ ok: true, policy: { name: "carbon" } });
		expect(parsePolicy(" Latency ", "x")).toEqual({ ok: true, policy: { name: "latency" } });
		expect(parsePolicy("weights:carbon=0.7,latency=0.3", "x")).toEqual({
			ok: true,
			policy: { name: "weights", latency: 0.3, carbon: 0.7 },
		});
	});

	it("refuses unknown names and bad weights naming the field, the value and what is allowed", () => {
		const bad = parsePolicy("greenest", "header x-arcnet-policy");
		expect(bad.ok).toBe(false);
		if (!bad.ok) {
			expect(bad.message).toContain("header x-arcnet-policy");
			expect(bad.message).toContain('"greenest"');
			expect(bad.message).toContain("latency, carbon, balanced");
		}
		for (const value of [
			"weights:latency=0,carbon=0",
			"weights:latency=0.3",
			"weights:latency=x,carbon=1",
			"weights:speed=1,carbon=1",
		]) {
			expect(parsePolicy(value, "arcnet.policy").ok, value).toBe(false);
		}
	});

	it("reads a tenant default as text or weights JSON and ignores an unusable one", () => {
		expect(parseTenantPolicy("carbon")).toEqual({ name: "carbon" });
		expect(parseTenantPolicy('{"latency":1,"carbon":3}')).toEqual({ name: "weights", latency: 1, carbon: 3 });
		expect(parseTenantPolicy("nonsense")).toBeNull();
		expect(parseTenantPolicy(null)).toBeNull();
	});
});
