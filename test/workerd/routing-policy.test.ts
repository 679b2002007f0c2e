import { describe, expect, it } from "vitest";
import { rankZones, scoreZone, type ZoneFigures } from "../../src/routing/policy.js";
import { parsePolicy, parseTenantPolicy } from "../../src/routing/policy-parse.js";
import { policyRouter } from "../../src/routing/router.js";
import { SCARCITY_PRICE_MAX, SIZE_FACTOR_MAX, scarcityPrice } from "../../src/routing/scarcity-price.js";
import { MODEL } from "./edge-fixtures.js";
import { directoryZone } from "./routing-fixtures.js";

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

	it("weighs latency 1 : 3 against carbon under balanced", () => {
		// mid: (0.25 × 25 + 0.75 × 21) / 100 = 0.22; far: 0.475; near: 2.5625.
		const ranked = rankZones(zones, { name: "balanced" });
		expect(ranked.map((z) => z.zoneId)).toEqual(["mid-clean", "far-cleanest", "near-dirty"]);
		expect(ranked[0]?.score).toBeCloseTo(0.22, 6);
		expect(ranked[2]?.score).toBeCloseTo(2.5625, 6);
	});

	it("takes a zone 80 ms further under balanced when it is more than 1 g/kWh cleaner per 3 extra ms", () => {
		// 50 g/kWh for 80 ms (break-even 26.7): 1 : 1 weights would stay near (310 < 340), 1 : 3 moves (840 < 910).
		const nearer = { zoneId: "nearer", estLatencyMs: 10, gco2PerKwh: 300, freeSlots: 1 };
		const cleaner = { zoneId: "cleaner", estLatencyMs: 90, gco2PerKwh: 250, freeSlots: 1 };
		expect(order({ name: "balanced" }, [nearer, cleaner])).toEqual(["cleaner", "nearer"]);
	});

	it("keeps the nearer zone under balanced when the further one saves less than 1 g/kWh per 3 extra ms", () => {
		// 20 g/kWh for 80 ms: carbon moves, balanced stays (910 < 930), so balanced is not carbon.
		const nearer = { zoneId: "nearer", estLatencyMs: 10, gco2PerKwh: 300, freeSlots: 1 };
		const cleaner = { zoneId: "cleaner", estLatencyMs: 90, gco2PerKwh: 280, freeSlots: 1 };
		expect(order({ name: "balanced" }, [nearer, cleaner])).toEqual(["nearer", "cleaner"]);
		expect(order({ name: "carbon" }, [nearer, cleaner])).toEqual(["cleaner", "nearer"]);
	});

	it("ranks balanced as the explicit weights latency=1,carbon=3", () => {
		const balanced = rankZones(zones, { name: "balanced" });
		const explicit = rankZones(zones, { name: "weights", latency: 1, carbon: 3 });
		expect(explicit.map((z) => [z.zoneId, z.score])).toEqual(balanced.map((z) => [z.zoneId, z.score]));
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

describe("scarcity price", () => {
	// A clean zone with its last slot free, and a dirtier zone that is nearly empty.
	const cleanNearlyFull: ZoneFigures = {
		zoneId: "clean-full",
		estLatencyMs: 20,
		gco2PerKwh: 30,
		freeSlots: 1,
		slots: 10,
	};
	const dirtierFree: ZoneFigures = {
		zoneId: "dirtier-free",
		estLatencyMs: 20,
		gco2PerKwh: 100,
		freeSlots: 10,
		slots: 10,
	};
	const pair = [cleanNearlyFull, dirtierFree];
	const first = (policy: Parameters<typeof rankZones>[1], expectedTokens?: number) =>
		rankZones(pair, policy, expectedTokens === undefined ? {} : { expectedTokens })[0]?.zoneId;

	it("makes a short request yield a nearly full clean zone to a slightly dirtier free one", () => {
		expect(first({ name: "carbon" }, 100)).toBe("dirtier-free");
		expect(first({ name: "balanced" }, 100)).toBe("dirtier-free");
	});

	it("keeps the last clean slot for a long request", () => {
		expect(first({ name: "carbon" }, 1_000)).toBe("clean-full");
		expect(first({ name: "balanced" }, 1_000)).toBe("clean-full");
	});

	it("charges the full price for a zone's last slot and little for an empty zone's first", () => {
		expect(scarcityPrice(cleanNearlyFull, 250)).toBeCloseTo(SCARCITY_PRICE_MAX, 9);
		expect(scarcityPrice(dirtierFree, 250)).toBeLessThan(SCARCITY_PRICE_MAX * 0.1);
		expect(scarcityPrice({ freeSlots: 10, slots: 10 }, 250)).toBeGreaterThan(0);
	});

	it("caps how much a tiny request pays, and prices nothing when slots are unknown", () => {
		expect(scarcityPrice(cleanNearlyFull, 1)).toBeCloseTo(SCARCITY_PRICE_MAX * SIZE_FACTOR_MAX, 9);
		expect(scarcityPrice({ freeSlots: 1 }, 1)).toBe(0);
		const ranked = rankZones([{ ...cleanNearlyFull, slots: undefined }], { name: "carbon" });
		expect(ranked[0]?.scarcityGco2PerKwh).toBe(0);
		expect(ranked[0]?.score).toBeCloseTo(0.3, 9);
	});

	it("leaves the latency policy untouched by utilisation", () => {
		const nearFull = { ...cleanNearlyFull, zoneId: "near-full", estLatencyMs: 5 };
		const ranked = rankZones([dirtierFree, nearFull], { name: "latency" }, { expectedTokens: 16 });
		expect(ranked.map((z) => z.zoneId)).toEqual(["near-full", "dirtier-free"]);
		expect(ranked.every((z) => z.scarcityGco2PerKwh === 0)).toBe(true);
	});

	it("is applied by the Worker's router from the zone's slots and the request's max_tokens", () => {
		const directory = {
			fetchedAt: 1,
			zones: [
				directoryZone({ zoneId: "eu-clean", gco2PerKwh: 30, slots: 10, freeSlots: 1 }),
				directoryZone({ zoneId: "eu-dirtier", gco2PerKwh: 100, slots: 10, freeSlots: 10 }),
			],
		};
		const client = { lat: 50.11, lon: 8.68, source: "cf" as const };
		const base = {
			model: MODEL,
			tenantId: "t",
			policy: { name: "carbon" as const },
			policySource: "header" as const,
			client,
		};
		expect(policyRouter.route({ ...base, expectedTokens: 100 }, directory).candidates[0]?.zoneId).toBe("eu-dirtier");
		expect(policyRouter.route({ ...base, expectedTokens: 1_000 }, directory).candidates[0]?.zoneId).toBe("eu-clean");
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
