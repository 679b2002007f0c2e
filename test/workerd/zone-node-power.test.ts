/**
 * Nodes on their own power: the zone's figure weighs them by capacity with
 * lifecycle defaults and an operator's cap, the decision record labels it, and
 * the zone hands a job to the cleanest open poll.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { GpuReading } from "../../src/protocol/agent-wire.js";
import type { PowerSource } from "../../src/protocol/power-source.js";
import { routingDecisionSchema } from "../../src/protocol/routing-decision.js";
import { decisionRecord } from "../../src/routing/route-explanation.js";
import { policyRouter } from "../../src/routing/router.js";
import { zoneCarbon } from "../../src/routing/zone-carbon.js";
import { maxDeclaredShift } from "../../src/routing/zone-directory.js";
import { heartbeatInput, MODEL, newNodeId, newZoneId, pollInput, submitInput, zoneStub } from "./geozone-fixtures.js";
import { directoryZone } from "./routing-fixtures.js";

const GPU: GpuReading = {
	index: 0,
	name: "NVIDIA L4",
	utilizationPct: 0,
	memoryUsedMiB: 0,
	memoryTotalMiB: 23_034,
	temperatureC: 40,
	powerDrawW: 16,
	powerLimitW: 72,
};

async function nodeWith(zoneId: string, power?: PowerSource): Promise<string> {
	const nodeId = newNodeId();
	await zoneStub(zoneId).heartbeat({
		...heartbeatInput(zoneId, nodeId, []),
		hardware: "nvidia-smi",
		gpus: [GPU],
		...(power ? { power } : {}),
	});
	return nodeId;
}

/** A routing record that chose `zoneId` at `grid` g/kWh, as the router writes it. */
function routingJson(zoneId: string, grid: number): string {
	return JSON.stringify({
		policy: "carbon",
		client: { lat: 0, lon: 0, source: "cf" },
		candidates: [
			{ zoneId, estLatencyMs: 10, gco2PerKwh: grid, carbonSource: "static", score: 1, freeSlots: 1, queueDepth: 0 },
		],
		excluded: [],
		chosenZoneId: zoneId,
		refused: [],
		nearestZoneId: zoneId,
		nearestGco2PerKwh: grid,
	});
}

const base = { defaultGco2PerKwh: 400, signalSource: "electricitymaps", signalGco2PerKwh: 400, signalFetchedAt: 0 };

describe("zone carbon with declared node power", () => {
	it("weighs idle clean nodes by capacity, with lifecycle defaults, and counts undeclared cogen at the grid", async () => {
		const zoneId = newZoneId();
		await nodeWith(zoneId, { source: "wind" });
		await nodeWith(zoneId, { source: "cogen" });
		await nodeWith(zoneId);
		// Three 72 W L4s; only the wind node (11 g/kWh, lifecycle default) has its own figure.
		const summary = await zoneStub(zoneId).summary(zoneId);
		expect(summary).toMatchObject({ powerW: 216, ownPowerW: 72, ownPowerGco2W: 792 });
		const carbon = zoneCarbon({ ...base, ...summary }, 0, 60_000);
		expect(carbon.gco2PerKwh).toBeCloseTo((72 * 11 + 144 * 400) / 216, 6);
		expect(carbon).toMatchObject({ source: "electricitymaps+declared", gridGco2PerKwh: 400 });
	});

	it("caps how far declared figures move the zone from the grid, both ways, and labels it", () => {
		const clean = { ...base, powerW: 400, ownPowerW: 300, ownPowerGco2W: 300 * 40 };
		expect(zoneCarbon({ ...clean, maxDeclaredShift: 0.25 }, 0, 60_000)).toEqual({
			gco2PerKwh: 300,
			source: "electricitymaps+declared-capped",
			gridGco2PerKwh: 400,
		});
		expect(zoneCarbon({ ...clean, maxDeclaredShift: 1 }, 0, 60_000).gco2PerKwh).toBe(130);
		const dirty = { ...base, powerW: 100, ownPowerW: 100, ownPowerGco2W: 100 * 2000 };
		expect(zoneCarbon({ ...dirty, maxDeclaredShift: 0.5 }, 0, 60_000).gco2PerKwh).toBe(600);
		expect(zoneCarbon({ ...clean, maxDeclaredShift: 0 }, 0, 60_000).gco2PerKwh).toBe(400);
	});

	it("reads the cap from DECLARED_POWER_MAX_SHIFT_PCT, uncapped by default", () => {
		expect(maxDeclaredShift(env)).toBe(1);
		expect(maxDeclaredShift({ DECLARED_POWER_MAX_SHIFT_PCT: "25" })).toBe(0.25);
		expect(maxDeclaredShift({ DECLARED_POWER_MAX_SHIFT_PCT: "250" })).toBe(1);
		expect(maxDeclaredShift({ DECLARED_POWER_MAX_SHIFT_PCT: "-5" })).toBe(0);
		expect(maxDeclaredShift({ DECLARED_POWER_MAX_SHIFT_PCT: "lots" })).toBe(1);
	});

	it("records the grid's figure beside the declared one in the decision", () => {
		const zone = directoryZone({
			zoneId: "eu-solar",
			gco2PerKwh: 130,
			carbonSource: "electricitymaps+declared",
			gridGco2PerKwh: 400,
		});
		const context = {
			model: MODEL,
			tenantId: "t",
			policy: { name: "carbon" as const },
			policySource: "header" as const,
			client: { lat: 50.11, lon: 8.68, source: "cf" as const },
		};
		const plan = policyRouter.route(context, { fetchedAt: 1, zones: [zone] });
		const [chosen] = plan.candidates;
		if (!chosen) throw new Error("no candidate");
		const decision = routingDecisionSchema.parse(decisionRecord(context, plan, chosen, []));
		expect(decision.candidates[0]).toMatchObject({
			gco2PerKwh: 130,
			carbonSource: "electricitymaps+declared",
			gridGco2PerKwh: 400,
		});
	});
});

describe("the zone's choice among open polls", () => {
	async function race(zoneId: string, first: PowerSource | undefined, second: PowerSource | undefined, grid?: number) {
		const stub = zoneStub(zoneId);
		const older = await nodeWith(zoneId, first);
		const newer = await nodeWith(zoneId, second);
		const polls = [older, newer].map((nodeId) => stub.poll(pollInput(zoneId, nodeId, { waitMs: 10_000 })));
		// RPC calls to one object are delivered in order: both polls are open once this answers.
		await stub.summary(zoneId);
		const result = await stub.submit(
			submitInput(zoneId, grid === undefined ? {} : { routingJson: routingJson(zoneId, grid) }),
		);
		// End the poll that got nothing: a node's newer poll answers its older one [].
		for (const nodeId of [older, newer]) await stub.poll(pollInput(zoneId, nodeId));
		await Promise.all(polls);
		if (!result.accepted) throw new Error("refused");
		await result.stream.cancel();
		return { older, newer, assigned: result.assigned?.nodeId };
	}

	it("hands a job to a node on declared clean power before an older poll on the grid", async () => {
		const { newer, assigned } = await race(newZoneId(), undefined, { source: "solar", gco2PerKwh: 20 }, 350);
		expect(assigned).toBe(newer);
	});

	it("keeps the grid node first when the declared figure is above the zone's grid", async () => {
		const { older, assigned } = await race(newZoneId(), undefined, { source: "cogen", gco2PerKwh: 600 }, 350);
		expect(assigned).toBe(older);
	});

	it("takes the oldest poll when the job's record carries no carbon figure", async () => {
		const { older, assigned } = await race(newZoneId(), undefined, { source: "solar", gco2PerKwh: 20 });
		expect(assigned).toBe(older);
	});
});
