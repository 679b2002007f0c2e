/**
 * A job's energy as its node measured it: the done event's joules replace the
 * estimate on the stream, in the `arcnet` object and in the D1 history, which
 * says `measured`; a node that sends none keeps the estimate, `estimated`.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { arcnetSummary } from "../../src/openai/routing-headers.js";
import { jobEventSchema } from "../../src/protocol/agent-wire.js";
import type { JobStreamEvent } from "../../src/protocol/job-stream.js";
import type { RoutingDecision } from "../../src/protocol/routing-decision.js";
import { heartbeatInput, newNodeId, newZoneId, pollInput, readAll, submitInput, zoneStub } from "./geozone-fixtures.js";

function decision(zoneId: string): RoutingDecision {
	return {
		policy: "carbon",
		client: { lat: 48.8, lon: 2.3, source: "cf" },
		candidates: [
			{ zoneId, estLatencyMs: 10, gco2PerKwh: 200, carbonSource: "static", score: 1, freeSlots: 4, queueDepth: 0 },
		],
		excluded: [],
		chosenZoneId: zoneId,
		refused: [],
		nearestZoneId: zoneId,
		nearestGco2PerKwh: 200,
	};
}

/** Runs one job to success with 100 output tokens; the done event carries `energyJ` when given. */
async function succeed(zoneId: string, energyJ?: number) {
	const stub = zoneStub(zoneId);
	const nodeId = newNodeId();
	await stub.heartbeat({ ...heartbeatInput(zoneId, nodeId, []) });
	await stub.poll(pollInput(zoneId, nodeId));
	const input = submitInput(zoneId, { routingJson: JSON.stringify(decision(zoneId)) });
	const result = await stub.submit(input);
	if (!result.accepted) throw new Error("expected the job to be accepted");
	const [job] = await stub.poll(pollInput(zoneId, nodeId));
	if (!job) throw new Error("expected a leased job");
	const usage = { prompt_tokens: 12, completion_tokens: 100 };
	await stub.postEvents({
		zoneId,
		nodeId,
		jobId: job.jobId,
		leaseId: job.leaseId,
		events: [
			{ seq: 0, type: "delta", text: "hi" },
			{ seq: 1, type: "done", finishReason: "stop", usage, ...(energyJ === undefined ? {} : { energyJ }) },
		],
	});
	const events = await readAll(result.stream);
	return { stub, jobId: input.jobId, done: events.at(-1) };
}

async function history(jobId: string) {
	return env.DB.prepare("SELECT est_energy_j, est_gco2, energy_source FROM jobs WHERE id = ?")
		.bind(jobId)
		.first<{ est_energy_j: number; est_gco2: number; energy_source: string | null }>();
}

function arcnetOf(zoneId: string, done: JobStreamEvent | undefined) {
	if (done?.type !== "done") throw new Error("expected a done event");
	async function* none(): AsyncGenerator<JobStreamEvent> {}
	const dispatched = {
		zoneId,
		jobId: "job_aaaaaaaaaaaaaaaaaaaaaaaa",
		started: { nodeId: null, attempt: 1, first: done, rest: none() },
		decision: decision(zoneId),
		strategy: "carbon",
		explanation: "",
	};
	return arcnetSummary(dispatched, done.estimate);
}

describe("measured job energy", () => {
	it("uses the node's measured joules on the stream, in the arcnet object and in D1, labelled measured", async () => {
		const zoneId = newZoneId();
		const { stub, jobId, done } = await succeed(zoneId, 1234.5);
		expect(done).toMatchObject({ type: "done", estimate: { energyJ: 1234.5, energySource: "measured" } });
		if (done?.type !== "done") throw new Error("expected done");
		expect(done.estimate?.gco2).toBeCloseTo((1234.5 / 3.6e6) * 200, 12);
		expect(arcnetOf(zoneId, done)).toMatchObject({ energy_j: 1235, energy_source: "measured", estimated: false });
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		const row = await history(jobId);
		expect(row).toMatchObject({ est_energy_j: 1234.5, energy_source: "measured" });
		expect(row?.est_gco2).toBeCloseTo((1234.5 / 3.6e6) * 200, 12);
	});

	it("keeps the estimate, labelled estimated, for a node that measured nothing", async () => {
		const zoneId = newZoneId();
		const { stub, jobId, done } = await succeed(zoneId);
		expect(done).toMatchObject({ type: "done", estimate: { energySource: "estimated" } });
		expect(arcnetOf(zoneId, done)).toMatchObject({ energy_source: "estimated", estimated: true });
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		const row = await history(jobId);
		expect(row?.energy_source).toBe("estimated");
		expect(row?.est_energy_j).toBeGreaterThan(0);
		expect(row?.est_energy_j).not.toBe(1234.5);
	});

	it("refuses a done event whose energy is negative or absurd, naming the field", () => {
		const done = { seq: 1, type: "done", finishReason: "stop", usage: { prompt_tokens: 1, completion_tokens: 1 } };
		for (const energyJ of [-1, 1e12]) {
			const parsed = jobEventSchema.safeParse({ ...done, energyJ });
			expect(parsed.success).toBe(false);
			expect(parsed.error?.issues[0]?.path).toEqual(["energyJ"]);
		}
		expect(jobEventSchema.safeParse({ ...done, energyJ: 12.5 }).success).toBe(true);
	});
});
