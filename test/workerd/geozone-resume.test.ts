/**
 * GeozoneDO.resume and the clean-up of reader-less sync jobs. A restart with a
 * stream open is made with ctx.abort(), which is what a runtime restart does
 * to an object: evictDurableObject waits for in-flight work to drain, and an
 * open output stream is in-flight work, so it cannot cut one. Where no stream
 * is open, evictDurableObject is used.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseGeozoneConfig } from "../../durable-objects/geozone/config.js";
import { detachedGraceMs } from "../../durable-objects/geozone/jobs/detached-jobs.js";
import { insertJob } from "../../durable-objects/geozone/jobs/job-queue.js";
import { writeMeta } from "../../durable-objects/geozone/schema.js";
import { decodeJobStream, type JobStreamEvent } from "../../src/protocol/job-stream.js";
import {
	heartbeatInput,
	newNodeId,
	newZoneId,
	pollInput,
	readAll,
	readSome,
	submitInput,
	zoneStub,
} from "./geozone-fixtures.js";

type Stub = ReturnType<typeof zoneStub>;

const GRACE_MS = detachedGraceMs({ config: parseGeozoneConfig({ LEASE_MS: "30000" }) });

/**
 * Restarts the object as the runtime would: in-memory writers and waiters are
 * lost, SQLite stays. Returns a new stub (the old one is broken, as a Worker's would be).
 */
async function restart(stub: Stub, zoneId: string): Promise<Stub> {
	await runInDurableObject(stub, (_i, state) => state.abort("test: zone restart")).catch(() => undefined);
	return zoneStub(zoneId);
}

/** An RPC that changes nothing but re-plans the alarm, as the first agent call after a restart does. */
async function touch(stub: Stub, zoneId: string): Promise<void> {
	await stub.release({ zoneId, nodeId: newNodeId(), leases: [] });
}

/** Moves the instance's start back past the grace, as if that long had passed since the restart. */
async function graceHasPassed(stub: Stub): Promise<void> {
	await runInDurableObject(stub, (_i, state) => {
		// Through writeMeta, as the object itself would: the object keeps its meta values in memory.
		writeMeta(state.storage.sql, "instance_started_at", String(Date.now() - GRACE_MS - 1));
	});
}

async function jobStatus(stub: Stub, jobId: string): Promise<string> {
	return runInDurableObject(stub, (_i, state) =>
		String(state.storage.sql.exec("SELECT status FROM jobs WHERE job_id = ?", jobId).one().status),
	);
}

/** A zone with a leased, streaming job; returns what the node and the reader hold. */
async function leasedJob() {
	const zoneId = newZoneId();
	const stub = zoneStub(zoneId);
	const nodeId = newNodeId();
	await stub.poll(pollInput(zoneId, nodeId));
	const input = submitInput(zoneId);
	const submitted = await stub.submit(input);
	if (!submitted.accepted) throw new Error("expected the job to be accepted");
	const [job] = await stub.poll(pollInput(zoneId, nodeId));
	if (!job) throw new Error("expected a leased job");
	// A fresh stub per post, as the node's every request reaches the object anew (also after a restart).
	const post = (seq: number, event: { type: "delta"; text: string } | { type: "done" }) =>
		zoneStub(zoneId).postEvents({
			zoneId,
			nodeId,
			jobId: job.jobId,
			leaseId: job.leaseId,
			events: [
				event.type === "delta"
					? { seq, ...event }
					: { seq, type: "done", finishReason: "stop", usage: { prompt_tokens: 2, completion_tokens: seq } },
			],
		});
	return { zoneId, stub, nodeId, job, stream: submitted.stream, post };
}

const text = (events: JobStreamEvent[]) => events.map((e) => (e.type === "delta" ? e.text : "")).join("");

async function resumed(stub: Stub, zoneId: string, jobId: string, skip: number): Promise<ReadableStream<Uint8Array>> {
	const result = await stub.resume(zoneId, jobId, skip);
	if (!result.found) throw new Error(`expected the job to be found: ${result.message}`);
	return result.stream;
}

describe("GeozoneDO.resume", () => {
	it("resumes a stream cut by a restart after N deltas: the reader gets the whole text exactly once", async () => {
		const { zoneId, stub, job, stream, post } = await leasedJob();
		const reader = stream.getReader();
		for (const [seq, piece] of ["One", " two", " three"].entries()) await post(seq, { type: "delta", text: piece });
		const before = await readSome(reader, 4);
		expect(before.map((e) => e.type)).toEqual(["assigned", "delta", "delta", "delta"]);

		const fresh = await restart(stub, zoneId);
		await expect(reader.read()).rejects.toThrow();
		// The node keeps its lease through the restart and posts on; these land before the reader is back.
		await post(3, { type: "delta", text: " four" });

		const again = await resumed(fresh, zoneId, job.jobId, 3);
		await post(4, { type: "delta", text: " five" });
		await post(5, { type: "done" });
		const after = await readAll(again);
		expect(after.map((e) => e.type)).toEqual(["assigned", "delta", "delta", "done"]);
		expect(text(before) + text(after)).toBe("One two three four five");
	});

	it("replays every stored delta after the ones the reader says it has", async () => {
		const { zoneId, stub, job, post } = await leasedJob();
		for (const [seq, piece] of ["a", "b", "c"].entries()) await post(seq, { type: "delta", text: piece });
		const again = await resumed(stub, zoneId, job.jobId, 1);
		const reader = again.getReader();
		const replay = await readSome(reader, 3);
		expect(replay).toEqual([
			{ type: "assigned", nodeId: expect.any(String), attempt: 1 },
			{ type: "delta", text: "b" },
			{ type: "delta", text: "c" },
		]);
		await post(3, { type: "done" });
		const rest: JobStreamEvent[] = [];
		reader.releaseLock();
		for await (const event of decodeJobStream(again)) rest.push(event);
		expect(rest).toEqual([{ type: "done", finishReason: "stop", usage: { prompt_tokens: 2, completion_tokens: 3 } }]);
	});

	it("answers a finished job, even after an eviction, with its remaining deltas and its terminal event at once", async () => {
		const { zoneId, stub, job, stream, post } = await leasedJob();
		await post(0, { type: "delta", text: "Hi" });
		await post(1, { type: "delta", text: " there" });
		await post(2, { type: "done" });
		await readAll(stream);
		await evictDurableObject(stub);

		const all = await readAll(await resumed(stub, zoneId, job.jobId, 0));
		expect(text(all)).toBe("Hi there");
		expect(all.at(-1)).toEqual({
			type: "done",
			finishReason: "stop",
			usage: { prompt_tokens: 2, completion_tokens: 2 },
		});
		expect(await readAll(await resumed(stub, zoneId, job.jobId, 2))).toEqual([all.at(-1)]);
	});

	it("ends a resumed stream of a failed job with the job's error", async () => {
		const { zoneId, stub, job, stream } = await leasedJob();
		expect(await stub.cancel(zoneId, job.jobId)).toBe(true);
		await readAll(stream);
		const events = await readAll(await resumed(stub, zoneId, job.jobId, 0));
		expect(events).toEqual([{ type: "error", code: "cancelled", message: "cancelled by the client" }]);
	});

	it("says so for a job the zone does not know, and validates its input", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const unknown = submitInput(zoneId).jobId;
		expect(await stub.resume(zoneId, unknown, 0)).toMatchObject({ found: false, reason: "job_not_found" });
		const error = await stub.resume(zoneId, unknown, -1).then(
			() => null,
			(e: unknown) => e,
		);
		expect(String(error)).toMatch(/resume: skipDeltas: .*got -1 \(number\)/);
	});
});

describe("GeozoneDO: sync jobs whose reader is gone for good", () => {
	it("cancels a reader-less sync job by the alarm once the grace has passed, and the node is told", async () => {
		const { zoneId, stub, nodeId, job, post } = await leasedJob();
		await post(0, { type: "delta", text: "for nobody" });
		const fresh = await restart(stub, zoneId);
		await touch(fresh, zoneId);
		expect(await runDurableObjectAlarm(fresh)).toBe(true);
		expect(await jobStatus(fresh, job.jobId)).toBe("running");

		await graceHasPassed(fresh);
		await touch(fresh, zoneId);
		expect(await runDurableObjectAlarm(fresh)).toBe(true);
		expect(await jobStatus(fresh, job.jobId)).toBe("cancelled");
		const beat = await fresh.heartbeat(heartbeatInput(zoneId, nodeId, [{ jobId: job.jobId, leaseId: job.leaseId }]));
		expect(beat.cancel).toEqual([job.jobId]);
	});

	it("holds the result of a job that finished while nobody read it, and succeeds it only when a reader takes it", async () => {
		const { zoneId, stub, job, post } = await leasedJob();
		await post(0, { type: "delta", text: "late" });
		const fresh = await restart(stub, zoneId);
		await post(1, { type: "delta", text: " answer" });
		await post(2, { type: "done" });
		// Finished on its node, but no client has it: not succeeded, and no lease left to lapse.
		expect(await jobStatus(fresh, job.jobId)).toBe("running");
		const all = await readAll(await resumed(fresh, zoneId, job.jobId, 0));
		expect(text(all)).toBe("late answer");
		expect(all.at(-1)).toMatchObject({ type: "done", usage: { prompt_tokens: 2, completion_tokens: 2 } });
		expect(await jobStatus(fresh, job.jobId)).toBe("succeeded");
	});

	it("cancels a finished-but-unread job once the grace passes: it never counts as delivered", async () => {
		const { zoneId, stub, job, post } = await leasedJob();
		const fresh = await restart(stub, zoneId);
		await post(0, { type: "delta", text: "for nobody" });
		await post(1, { type: "done" });
		await graceHasPassed(fresh);
		await touch(fresh, zoneId);
		await runDurableObjectAlarm(fresh);
		expect(await jobStatus(fresh, job.jobId)).toBe("cancelled");
	});

	it("keeps a job whose reader re-attached within the grace", async () => {
		const { zoneId, stub, job } = await leasedJob();
		const fresh = await restart(stub, zoneId);
		const again = await resumed(fresh, zoneId, job.jobId, 0);
		await graceHasPassed(fresh);
		await touch(fresh, zoneId);
		await runDurableObjectAlarm(fresh);
		expect(await jobStatus(fresh, job.jobId)).toBe("leased");
		await again.cancel();
	});

	it("cancels a queued sync job nobody reads, so no node is handed it, but never an async job", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const sync = submitInput(zoneId);
		const asyncJob = submitInput(zoneId);
		await stub.summary(zoneId);
		await runInDurableObject(stub, (_i, state) => {
			insertJob(state.storage.sql, sync);
			insertJob(state.storage.sql, asyncJob);
			state.storage.sql.exec("UPDATE jobs SET kind = 'async' WHERE job_id = ?", asyncJob.jobId);
		});
		await evictDurableObject(stub);
		await graceHasPassed(stub);
		await touch(stub, zoneId);
		expect(await runDurableObjectAlarm(stub)).toBe(true);

		expect(await jobStatus(stub, sync.jobId)).toBe("cancelled");
		expect(await jobStatus(stub, asyncJob.jobId)).toBe("queued");
		const leased = await stub.poll(pollInput(zoneId, newNodeId()));
		expect(leased.map((j) => j.jobId)).toEqual([asyncJob.jobId]);
	});
});
