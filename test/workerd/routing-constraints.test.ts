import { describe, expect, it } from "vitest";
import { estimateRttMs } from "../../src/geo/latency-model.js";
import { routingDecisionSchema } from "../../src/protocol/routing-decision.js";
import { type ClientLocation, clientLocation } from "../../src/routing/client-location.js";
import { applyConstraints } from "../../src/routing/constraints.js";
import { decisionRecord } from "../../src/routing/route-explanation.js";
import { policyRouter } from "../../src/routing/router.js";
import { zoneCarbon } from "../../src/routing/zone-carbon.js";
import { MODEL } from "./edge-fixtures.js";
import { directoryZone } from "./routing-fixtures.js";

const FRANKFURT: ClientLocation = { lat: 50.11, lon: 8.68, source: "cf" };
const STOCKHOLM = { lat: 59.33, lon: 18.06 };

describe("routing hard constraints", () => {
	it("leaves out zones outside the allowed regions", () => {
		const zones = [
			directoryZone({ zoneId: "eu-a", regions: ["eu", "de"] }),
			directoryZone({ zoneId: "us-a", regions: ["us"] }),
		];
		const result = applyConstraints(zones, { model: MODEL, regions: ["de"] }, FRANKFURT);
		expect(result.eligible.map((e) => e.zone.zoneId)).toEqual(["eu-a"]);
		expect(result.excluded).toEqual([{ zoneId: "us-a", reason: "region" }]);
	});

	it("leaves out zones whose estimated latency exceeds the bound", () => {
		const zones = [directoryZone({ zoneId: "near" }), directoryZone({ zoneId: "far", lat: 35.68, lon: 139.69 })];
		const result = applyConstraints(zones, { model: MODEL, maxLatencyMs: 100 }, FRANKFURT);
		expect(result.eligible.map((e) => e.zone.zoneId)).toEqual(["near"]);
		expect(result.excluded).toEqual([{ zoneId: "far", reason: "max_latency" }]);
	});

	it("leaves out zones without capacity, but keeps a full zone whose queue is shorter than its slots", () => {
		const zones = [
			directoryZone({ zoneId: "full", freeSlots: 0, queueDepth: 4, slots: 4 }),
			directoryZone({ zoneId: "short-queue", freeSlots: 0, queueDepth: 3, slots: 4 }),
		];
		const result = applyConstraints(zones, { model: MODEL }, FRANKFURT);
		expect(result.eligible.map((e) => e.zone.zoneId)).toEqual(["short-queue"]);
		expect(result.excluded).toEqual([{ zoneId: "full", reason: "capacity" }]);
	});

	it("leaves out zones with no live node or not serving the model, and skips zones that never reported", () => {
		const zones = [
			directoryZone({ zoneId: "dead", liveNodes: 0 }),
			directoryZone({ zoneId: "other-model", models: ["qwen2.5:7b"] }),
			directoryZone({ zoneId: "never", liveNodes: 0, updatedAt: 0 }),
		];
		const result = applyConstraints(zones, { model: MODEL }, FRANKFURT);
		expect(result.eligible).toEqual([]);
		expect(result.excluded).toEqual([
			{ zoneId: "dead", reason: "no_live_node" },
			{ zoneId: "other-model", reason: "model" },
		]);
	});
});

describe("routing latency and carbon figures", () => {
	it("estimates latency as client round trip plus the zone's queue wait and time to first token", () => {
		const zone = directoryZone({ zoneId: "eu-stockholm", ...STOCKHOLM, queueWaitMs: 40, ttftMs: 120 });
		const [eligible] = applyConstraints([zone], { model: MODEL }, FRANKFURT).eligible;
		expect(eligible?.estLatencyMs).toBeCloseTo(estimateRttMs(FRANKFURT, STOCKHOLM) + 160, 6);
	});

	it("takes the client from cf, else from the configured default", () => {
		const env = { ARCNET_DEFAULT_CLIENT_LAT: "1.5", ARCNET_DEFAULT_CLIENT_LON: "2.5" };
		const cf = { latitude: "59.33", longitude: "18.06" } as unknown as Request["cf"];
		expect(clientLocation(cf, env)).toEqual({ lat: 59.33, lon: 18.06, source: "cf" });
		expect(clientLocation(undefined, env)).toEqual({ lat: 1.5, lon: 2.5, source: "default" });
	});

	it("uses a fresh carbon signal, falls back to the catalogue default when it is stale, and weighs nodes' own power", () => {
		const base = { defaultGco2PerKwh: 300, signalSource: "electricitymaps", powerW: 0, ownPowerW: 0, ownPowerGco2W: 0 };
		const now = 10_000_000;
		expect(zoneCarbon({ ...base, signalGco2PerKwh: 120, signalFetchedAt: now - 1_000 }, now, 60_000)).toEqual({
			gco2PerKwh: 120,
			source: "electricitymaps",
			gridGco2PerKwh: 120,
		});
		expect(zoneCarbon({ ...base, signalGco2PerKwh: 120, signalFetchedAt: now - 120_000 }, now, 60_000)).toEqual({
			gco2PerKwh: 300,
			source: "static",
			gridGco2PerKwh: 300,
		});
		// 300 W on own solar at 40 g/kWh + 100 W on a 400 g/kWh grid: (300 x 40 + 100 x 400) / 400 = 130.
		const withOwn = {
			...base,
			signalGco2PerKwh: 400,
			signalFetchedAt: now,
			powerW: 400,
			ownPowerW: 300,
			ownPowerGco2W: 12_000,
		};
		expect(zoneCarbon(withOwn, now, 60_000)).toEqual({
			gco2PerKwh: 130,
			source: "electricitymaps+declared",
			gridGco2PerKwh: 400,
		});
	});
});

describe("routing decision record", () => {
	it("records candidates best-first, exclusions, and the nearest zone as the baseline", () => {
		const directory = {
			fetchedAt: 1,
			zones: [
				directoryZone({ zoneId: "eu-frankfurt", gco2PerKwh: 341 }),
				directoryZone({ zoneId: "eu-stockholm", ...STOCKHOLM, gco2PerKwh: 21 }),
				directoryZone({ zoneId: "us-east", regions: ["us"], lat: 39, lon: -77 }),
			],
		};
		const context = {
			model: MODEL,
			tenantId: "t",
			regions: ["eu"],
			policy: { name: "carbon" as const },
			policySource: "header" as const,
			client: FRANKFURT,
		};
		const plan = policyRouter.route(context, directory);
		const [best] = plan.candidates;
		if (!best) throw new Error("no candidate");
		const decision = routingDecisionSchema.parse(
			decisionRecord(context, plan, best, [{ zoneId: "eu-oslo", reason: "queue_full", retryAfterMs: 0 }]),
		);
		expect(decision.candidates.map((c) => c.zoneId)).toEqual(["eu-stockholm", "eu-frankfurt"]);
		expect(decision).toMatchObject({
			policy: "carbon",
			chosenZoneId: "eu-stockholm",
			excluded: [{ zoneId: "us-east", reason: "region" }],
			refused: [{ zoneId: "eu-oslo", reason: "queue_full" }],
			nearestZoneId: "eu-frankfurt",
			nearestGco2PerKwh: 341,
			client: { lat: 50.11, lon: 8.68, source: "cf" },
		});
	});
});
