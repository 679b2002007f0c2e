/**
 * Every job has a deadline: a queue-wait and a first-token limit, counted from
 * the request's arrival, or the client's own timeoutMs for both. The zone's
 * alarm ends a job past either with `timeout`, and a node that holds it learns
 * from its heartbeat that it must stop.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { heartbeatInput, newNodeId, newZoneId, pollInput, readAll, submitInput, zoneStub } from "./geozone-fixtures.js";

type Stub = ReturnType<typeof zoneStub>;

type DeadlineRow = {
	status: string;
	error_code: string | null;
	queue_deadline_at: number | null;
	first_token_deadline_at: number | null;
};

const jobRow = (stub: Stub, jobId: string) =>
	runInDurableObject(stub, (_i, s) =>
		s.storage.sql
			.exec<DeadlineRow>(
				"SELECT status, error_code, queue_deadline_at, first_token_deadline_at FROM jobs WHERE job_id = ?",
				jobId,
			)
			.one(),
	);

/** Moves a job's deadline into the past, as if its time had run out. */
const passDeadline = (stub: Stub, jobId: string, column: "queue_deadline_at" | "first_token_deadline_at") =>
	runInDurableObject(stub, (_i, s) => {
		s.storage.sql.exec(`UPDATE jobs SET ${column} = 1 WHERE job_id = ?`, jobId);
	});

/** A zone with one live node that has no poll open: submitted jobs stay queued. */
async function zoneWithIdleNode() {
	const zoneId = newZoneId();
	const stub = zoneStub(zoneId);
	const nodeId = newNodeId();
	await stub.poll(pollInput(zoneId, nodeId));
	return { zoneId, stub, nodeId };
}

describe("GeozoneDO job deadlines", () => {
	it("gives a sync job the zone's queue-wait and first-token limits from its arrival", async () => {
		const { zoneId, stub } = await zoneWithIdleNode();
		const input = submitInput(zoneId, { receivedAt: 1_000_000 });
		await stub.submit(input);
		expect(await jobRow(stub, input.jobId)).toMatchObject({
			status: "queued",
			queue_deadline_at: 1_000_000 + Number(env.JOB_QUEUE_TIMEOUT_MS),
			first_token_deadline_at: 1_000_000 + Number(env.JOB_FIRST_TOKEN_TIMEOUT_MS),
		});
	});

	it("takes the client's timeoutMs for both deadlines", async () => {
		const { zoneId, stub } = await zoneWithIdleNode();
		const input = submitInput(zoneId, { receivedAt: 2_000_000, timeoutMs: 5_000 });
		await stub.submit(input);
		expect(await jobRow(stub, input.jobId)).toMatchObject({
			queue_deadline_at: 2_005_000,
			first_token_deadline_at: 2_005_000,
		});
	});

	it("plans the alarm no later than a new job's deadline", async () => {
		const { zoneId, stub } = await zoneWithIdleNode();
		// Settle what the first poll planned, so the next alarm is the zone's own plan.
		await runDurableObjectAlarm(stub);
		const input = submitInput(zoneId, { timeoutMs: 1_000 });
		await stub.submit(input);
		const alarm = await runInDurableObject(stub, (_i, s) => s.storage.getAlarm());
		expect(alarm).not.toBeNull();
		expect(alarm ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(input.receivedAt + 1_000);
	});

	it("ends a job still queued at its queue deadline with timeout", async () => {
		const { zoneId, stub } = await zoneWithIdleNode();
		const input = submitInput(zoneId);
		const result = await stub.submit(input);
		if (!result.accepted) throw new Error("expected the job to be accepted");
		await passDeadline(stub, input.jobId, "queue_deadline_at");
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await jobRow(stub, input.jobId)).toMatchObject({ status: "failed", error_code: "timeout" });
		const events = await readAll(result.stream);
		expect(events.at(-1)).toMatchObject({ type: "error", code: "timeout" });
		expect(await stub.poll(pollInput(zoneId, newNodeId()))).toEqual([]);
	});

	it("ends a leased job with no output at its first-token deadline, and tells its node to stop", async () => {
		const { zoneId, stub, nodeId } = await zoneWithIdleNode();
		const input = submitInput(zoneId);
		const result = await stub.submit(input);
		if (!result.accepted) throw new Error("expected the job to be accepted");
		const [job] = await stub.poll(pollInput(zoneId, nodeId));
		if (!job) throw new Error("expected a leased job");
		await passDeadline(stub, input.jobId, "first_token_deadline_at");
		await runDurableObjectAlarm(stub);
		expect(await jobRow(stub, input.jobId)).toMatchObject({ status: "failed", error_code: "timeout" });
		const events = await readAll(result.stream);
		expect(events.at(-1)).toMatchObject({ type: "error", code: "timeout" });
		const beat = await stub.heartbeat(heartbeatInput(zoneId, nodeId, [{ jobId: job.jobId, leaseId: job.leaseId }]));
		expect(beat.cancel).toContain(job.jobId);
		const late = await stub.postEvents({
			zoneId,
			nodeId,
			jobId: job.jobId,
			leaseId: job.leaseId,
			events: [{ seq: 0, type: "delta", text: "too late" }],
		});
		expect(late).toMatchObject({ ok: true, cancelled: true });
	});

	it("leaves a job that already streamed output to its lease, past the first-token deadline", async () => {
		const { zoneId, stub, nodeId } = await zoneWithIdleNode();
		const input = submitInput(zoneId);
		await stub.submit(input);
		const [job] = await stub.poll(pollInput(zoneId, nodeId));
		if (!job) throw new Error("expected a leased job");
		await stub.postEvents({
			zoneId,
			nodeId,
			jobId: job.jobId,
			leaseId: job.leaseId,
			events: [{ seq: 0, type: "delta", text: "started" }],
		});
		await passDeadline(stub, input.jobId, "first_token_deadline_at");
		const report = await runInDurableObject(stub, (instance) => instance.runAlarm());
		expect(report.timedOut).toEqual([]);
		expect(await jobRow(stub, input.jobId)).toMatchObject({ status: "running" });
	});
});
