/** A succeeded job's energy estimate: on the `done` event and in the D1 history with the routing columns. */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RoutingDecision } from "../../src/protocol/routing-decision.js";
import { heartbeatInput, newNodeId, newZoneId, pollInput, readAll, submitInput, zoneStub } from "./geozone-fixtures.js";

/** A routing decision that chose `zoneId` at 200 g/kWh over a nearer zone at 450. */
function decision(zoneId: string): RoutingDecision {
	const candidate = { carbonSource: "static", score: 1, freeSlots: 4, queueDepth: 0 };
	return {
		policy: "carbon",
		client: { lat: 48.8, lon: 2.3, source: "cf" },
		candidates: [
			{ ...candidate, zoneId, estLatencyMs: 42.5, gco2PerKwh: 200 },
			{ ...candidate, zoneId: "eu-central", estLatencyMs: 12, gco2PerKwh: 450, score: 2 },
		],
		excluded: [],
		chosenZoneId: zoneId,
		refused: [],
		nearestZoneId: "eu-central",
		nearestGco2PerKwh: 450,
	};
}

/** Runs one job to success on a node reporting `gpuName`, with 100 output tokens. */
async function succeed(zoneId: string, gpuName: string, routing: Record<string, unknown>) {
	const stub = zoneStub(zoneId);
	const nodeId = newNodeId();
	await stub.heartbeat({
		...heartbeatInput(zoneId, nodeId, []),
		hardware: "nvidia-smi",
		gpus: [
			{
				index: 0,
				name: gpuName,
				utilizationPct: 90,
				memoryUsedMiB: 1,
				memoryTotalMiB: 2,
				temperatureC: 70,
				powerDrawW: 350,
				powerLimitW: 400,
			},
		],
	});
	await stub.poll(pollInput(zoneId, nodeId));
	const input = submitInput(zoneId, { routingJson: JSON.stringify(routing) });
	const result = await stub.submit(input);
	if (!result.accepted) throw new Error("expected the job to be accepted");
	const [job] = await stub.poll(pollInput(zoneId, nodeId));
	if (!job) throw new Error("expected a leased job");
	await stub.postEvents({
		zoneId,
		nodeId,
		jobId: job.jobId,
		leaseId: job.leaseId,
		events: [
			{ seq: 0, type: "delta", text: "hi" },
			{ seq: 1, type: "done", finishReason: "stop", usage: { prompt_tokens: 12, completion_tokens: 100 } },
		],
	});
	const events = await readAll(result.stream);
	return { stub, input, done: events.at(-1) };
}

// Llama-3.1-8B on H100 at max_num_seqs 8 (the node's 4 slots): 0.4548 J/token; A100 SXM4 scales by 400/700 W.
const A100_J_PER_TOKEN = (0.4548 * 400) / 700;

describe("GeozoneDO energy estimate", () => {
	it("adds the estimate to the done event from the node's GPU and the routed zone's intensity", async () => {
		const zoneId = newZoneId();
		const { done } = await succeed(zoneId, "NVIDIA A100-SXM4-80GB", decision(zoneId));
		const energyJ = 100 * A100_J_PER_TOKEN;
		expect(done).toMatchObject({ type: "done", finishReason: "stop" });
		if (done?.type !== "done" || !done.estimate) throw new Error("expected a done event with an estimate");
		expect(done.estimate.gpuClass).toBe("A100-SXM4");
		expect(done.estimate.energyJ).toBeCloseTo(energyJ, 9);
		expect(done.estimate.gco2).toBeCloseTo((energyJ / 3.6e6) * 200, 12);
	});

	it("writes the routing figures and the estimate to the D1 history", async () => {
		const zoneId = newZoneId();
		const { stub, input } = await succeed(zoneId, "NVIDIA A100-SXM4-80GB", decision(zoneId));
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		const row = await env.DB.prepare(
			`SELECT policy, est_latency_ms, zone_gco2_per_kwh, nearest_zone_id, nearest_gco2_per_kwh, est_energy_j, est_gco2
			 FROM jobs WHERE id = ?`,
		)
			.bind(input.jobId)
			.first<Record<string, number | string | null>>();
		expect(row).toMatchObject({
			policy: "carbon",
			est_latency_ms: 42.5,
			zone_gco2_per_kwh: 200,
			nearest_zone_id: "eu-central",
			nearest_gco2_per_kwh: 450,
		});
		expect(row?.est_energy_j).toBeCloseTo(100 * A100_J_PER_TOKEN, 9);
		expect(row?.est_gco2).toBeCloseTo(((100 * A100_J_PER_TOKEN) / 3.6e6) * 200, 12);
	});

	it("keeps the energy but leaves carbon null when the routing record is not a routing decision", async () => {
		const zoneId = newZoneId();
		const { stub, input, done } = await succeed(zoneId, "simulated", { policy: "first-available", chosen: zoneId });
		expect(done).toMatchObject({ type: "done" });
		expect(done && "estimate" in done).toBe(false);
		await runDurableObjectAlarm(stub);
		const row = await env.DB.prepare(
			"SELECT policy, zone_gco2_per_kwh, nearest_zone_id, est_energy_j, est_gco2 FROM jobs WHERE id = ?",
		)
			.bind(input.jobId)
			.first();
		// "simulated" GPUs take the default class: the measured H100 figure.
		expect(row).toEqual({
			policy: null,
			zone_gco2_per_kwh: null,
			nearest_zone_id: null,
			est_energy_j: 100 * 0.4548,
			est_gco2: null,
		});
	});
});
