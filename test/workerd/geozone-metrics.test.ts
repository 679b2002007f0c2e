/** GeozoneDO's metrics RPC: gauges, node readings, counters and histograms that survive eviction. */
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ZoneMetrics } from "../../durable-objects/geozone/metrics/contract.js";
import type { RoutingDecision } from "../../src/protocol/routing-decision.js";
import { heartbeatInput, newNodeId, newZoneId, pollInput, readAll, submitInput, zoneStub } from "./geozone-fixtures.js";

/** A decision that chose `zoneId` at `chosen` g/kWh while the nearest zone stood at `nearest`. */
function decision(zoneId: string, chosen: number, nearest: number): RoutingDecision {
	const candidate = { carbonSource: "static", score: 1, freeSlots: 4, queueDepth: 0, estLatencyMs: 10 };
	return {
		policy: "carbon",
		client: { lat: 48.8, lon: 2.3, source: "cf" },
		candidates: [
			{ ...candidate, zoneId, gco2PerKwh: chosen },
			{ ...candidate, zoneId: "eu-central", gco2PerKwh: nearest, score: 2 },
		],
		excluded: [],
		chosenZoneId: zoneId,
		refused: [],
		nearestZoneId: "eu-central",
		nearestGco2PerKwh: nearest,
	};
}

const GPU = {
	index: 0,
	name: "NVIDIA H100 80GB HBM3",
	utilizationPct: 91,
	memoryUsedMiB: 70_000,
	memoryTotalMiB: 81_559,
	temperatureC: 83,
	powerDrawW: 640,
	powerLimitW: 700,
};

/** Starts a node with one GPU in the zone and returns it. */
async function startNode(zoneId: string) {
	const stub = zoneStub(zoneId);
	const nodeId = newNodeId();
	await stub.heartbeat({ ...heartbeatInput(zoneId, nodeId, []), hardware: "nvidia-smi", gpus: [GPU] });
	return { stub, nodeId };
}

/** Runs one job on the node: success with usage, or a backend error. */
async function runJob(zoneId: string, nodeId: string, end: "done" | "error", routing: object, tenantId = "tenant_dev") {
	const stub = zoneStub(zoneId);
	const result = await stub.submit(submitInput(zoneId, { tenantId, routingJson: JSON.stringify(routing) }));
	if (!result.accepted) throw new Error("expected the job to be accepted");
	const [job] = await stub.poll(pollInput(zoneId, nodeId));
	if (!job) throw new Error("expected a leased job");
	const last =
		end === "done"
			? {
					seq: 1,
					type: "done" as const,
					finishReason: "stop" as const,
					usage: { prompt_tokens: 12, completion_tokens: 100 },
				}
			: { seq: 1, type: "error" as const, code: "backend_error" as const, message: "boom", retryable: false };
	await stub.postEvents({
		zoneId,
		nodeId,
		jobId: job.jobId,
		leaseId: job.leaseId,
		events: [{ seq: 0, type: "delta", text: "hi" }, last],
	});
	await readAll(result.stream);
}

function counter(metrics: ZoneMetrics, name: string, labels: Record<string, string> = {}): number | undefined {
	return metrics.counters.find((c) => c.name === name && JSON.stringify(c.labels) === JSON.stringify(labels))?.value;
}

describe("GeozoneDO metrics", () => {
	it("reports live nodes, free slots, queue depth and each node's GPU readings", async () => {
		const zoneId = newZoneId();
		const { stub, nodeId } = await startNode(zoneId);
		await stub.submit(submitInput(zoneId));
		const metrics = await stub.metrics(zoneId);
		expect(metrics).toMatchObject({ zoneId, liveNodes: 1, slots: 4, freeSlots: 4, queueDepth: 1 });
		expect(metrics.nodes).toEqual([
			{
				nodeId,
				slots: 4,
				tokensPerSecond: 42,
				telemetryAgeS: expect.any(Number),
				gpus: [
					{
						index: 0,
						utilizationPct: 91,
						memoryUsedMiB: 70_000,
						memoryTotalMiB: 81_559,
						temperatureC: 83,
						powerDrawW: 640,
						powerLimitW: 700,
					},
				],
			},
		]);
	});

	it("counts jobs by outcome and code, tokens per tenant, energy and the carbon avoided against the nearest zone", async () => {
		const zoneId = newZoneId();
		const { stub, nodeId } = await startNode(zoneId);
		await runJob(zoneId, nodeId, "done", decision(zoneId, 200, 450), "tenant_a");
		await runJob(zoneId, nodeId, "done", decision(zoneId, 500, 300), "tenant_a");
		await runJob(zoneId, nodeId, "error", decision(zoneId, 200, 450), "tenant_b");
		const metrics = await stub.metrics(zoneId);
		expect(counter(metrics, "arcnet_zone_jobs_total", { code: "", outcome: "succeeded" })).toBe(2);
		expect(counter(metrics, "arcnet_zone_jobs_total", { code: "backend_error", outcome: "failed" })).toBe(1);
		expect(counter(metrics, "arcnet_zone_submissions_total", { result: "accepted" })).toBe(3);
		expect(counter(metrics, "arcnet_tenant_jobs_total", { tenant: "tenant_a" })).toBe(2);
		expect(counter(metrics, "arcnet_tenant_tokens_total", { direction: "out", tenant: "tenant_a" })).toBe(200);
		expect(counter(metrics, "arcnet_tenant_tokens_total", { direction: "in", tenant: "tenant_a" })).toBe(24);
		expect(counter(metrics, "arcnet_zone_tokens_total", { direction: "out" })).toBe(200);
		const energyJ = counter(metrics, "arcnet_zone_energy_joules_total") ?? 0;
		expect(energyJ).toBeGreaterThan(0);
		const perJob = energyJ / 2;
		// Job 1 chose 200 over a nearest 450; job 2 chose 500 over a nearest 300.
		expect(counter(metrics, "arcnet_carbon_avoided_grams_total")).toBeCloseTo((250 * perJob) / 3.6e6, 12);
		expect(counter(metrics, "arcnet_carbon_added_grams_total")).toBeCloseTo((200 * perJob) / 3.6e6, 12);
		expect(counter(metrics, "arcnet_zone_gco2_grams_total")).toBeCloseTo((700 * perJob) / 3.6e6, 12);
		const ttft = metrics.histograms.find((h) => h.name === "arcnet_zone_ttft_seconds");
		expect(ttft?.count).toBe(3);
		expect(ttft?.buckets.at(-1)).toBe(3);
		const durations = metrics.histograms.filter((h) => h.name === "arcnet_zone_job_duration_seconds");
		expect(durations.map((h) => [h.labels.outcome, h.count]).sort()).toEqual([
			["failed", 1],
			["succeeded", 2],
		]);
	});

	it("counts a refused submission by reason", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const result = await stub.submit(submitInput(zoneId));
		expect(result.accepted).toBe(false);
		const metrics = await stub.metrics(zoneId);
		expect(counter(metrics, "arcnet_zone_submissions_total", { result: "no_live_node" })).toBe(1);
		expect(counter(metrics, "arcnet_tenant_jobs_total", { tenant: "tenant_dev" })).toBeUndefined();
	});

	it("keeps its counters across an eviction, so they never fall", async () => {
		const zoneId = newZoneId();
		const { stub, nodeId } = await startNode(zoneId);
		await runJob(zoneId, nodeId, "done", decision(zoneId, 200, 450));
		await evictDurableObject(stub);
		const after = zoneStub(zoneId);
		await after.heartbeat({ ...heartbeatInput(zoneId, nodeId, []), hardware: "nvidia-smi", gpus: [GPU] });
		await runJob(zoneId, nodeId, "done", decision(zoneId, 200, 450));
		const metrics = await after.metrics(zoneId);
		expect(counter(metrics, "arcnet_zone_jobs_total", { code: "", outcome: "succeeded" })).toBe(2);
		expect(metrics.histograms.find((h) => h.name === "arcnet_zone_queue_wait_seconds")?.count).toBe(2);
	});

	it("refuses a zone id that is not valid, naming the field", async () => {
		const stub = zoneStub(newZoneId());
		const error = await stub.metrics("Not A Zone!").then(
			() => null,
			(e: unknown) => e,
		);
		expect(String(error)).toMatch(/metrics: zoneId: .*got "Not A Zone!" \(string\)/);
	});
});
