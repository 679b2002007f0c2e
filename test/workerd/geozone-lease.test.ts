import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { LeasedJob } from "../../src/protocol/agent-wire.js";
import { newNodeId, newZoneId, pollInput, readAll, submitInput, zoneStub } from "./geozone-fixtures.js";

async function leasedJob(zoneId: string, nodeId: string) {
	const stub = zoneStub(zoneId);
	await stub.poll(pollInput(zoneId, nodeId));
	const result = await stub.submit(submitInput(zoneId));
	if (!result.accepted) throw new Error("expected the job to be accepted");
	const [job] = await stub.poll(pollInput(zoneId, nodeId));
	if (!job) throw new Error("expected a leased job");
	return { stub, job: job as LeasedJob, stream: result.stream };
}

const usage = { prompt_tokens: 5, completion_tokens: 2 };

describe("GeozoneDO postEvents under a lease", () => {
	it("refuses a wrong lease id or another node and changes nothing", async () => {
		const zoneId = newZoneId();
		const nodeId = newNodeId();
		const { stub, job } = await leasedJob(zoneId, nodeId);
		const before = await runInDurableObject(stub, (_i, s) => s.storage.sql.exec("SELECT * FROM jobs").toArray());
		const wrongLease = await stub.postEvents({
			zoneId,
			nodeId,
			jobId: job.jobId,
			leaseId: "lease_00000000000000000000",
			events: [{ seq: 0, type: "delta", text: "x" }],
		});
		expect(wrongLease).toMatchObject({ ok: false, reason: "lease_not_held" });
		const otherNode = await stub.postEvents({
			zoneId,
			nodeId: newNodeId(),
			jobId: job.jobId,
			leaseId: job.leaseId,
			events: [{ seq: 0, type: "delta", text: "x" }],
		});
		expect(otherNode).toMatchObject({ ok: false, reason: "lease_not_held" });
		const after = await runInDurableObject(stub, (_i, s) => s.storage.sql.exec("SELECT * FROM jobs").toArray());
		expect(after).toEqual(before);
	});

	it("answers job_not_found for an unknown job", async () => {
		const zoneId = newZoneId();
		const nodeId = newNodeId();
		const { stub, job } = await leasedJob(zoneId, nodeId);
		const result = await stub.postEvents({
			zoneId,
			nodeId,
			jobId: "job_unknownunknownunknown",
			leaseId: job.leaseId,
			events: [{ seq: 0, type: "delta", text: "x" }],
		});
		expect(result).toMatchObject({ ok: false, reason: "job_not_found" });
	});

	it("streams deltas, skips a retried post, and closes the stream on done with usage", async () => {
		const zoneId = newZoneId();
		const nodeId = newNodeId();
		const { stub, job, stream } = await leasedJob(zoneId, nodeId);
		const base = { zoneId, nodeId, jobId: job.jobId, leaseId: job.leaseId };
		const first = await stub.postEvents({
			...base,
			events: [
				{ seq: 0, type: "delta", text: "Hel" },
				{ seq: 1, type: "delta", text: "lo" },
			],
		});
		expect(first).toMatchObject({ ok: true, cancelled: false });
		const retried = await stub.postEvents({
			...base,
			events: [
				{ seq: 1, type: "delta", text: "lo" },
				{ seq: 2, type: "delta", text: "!" },
			],
		});
		expect(retried).toMatchObject({ ok: true, cancelled: false });
		const done = await stub.postEvents({ ...base, events: [{ seq: 3, type: "done", finishReason: "stop", usage }] });
		expect(done).toMatchObject({ ok: true, cancelled: false });
		expect(await readAll(stream)).toEqual([
			{ type: "assigned", nodeId, attempt: 1 },
			{ type: "delta", text: "Hel" },
			{ type: "delta", text: "lo" },
			{ type: "delta", text: "!" },
			{ type: "done", finishReason: "stop", usage },
		]);
		const row = await runInDurableObject(stub, (_i, s) =>
			s.storage.sql.exec("SELECT status, completion_tokens, first_token_at FROM jobs").one(),
		);
		expect(row).toMatchObject({ status: "succeeded", completion_tokens: 2 });
		expect(row.first_token_at).not.toBeNull();
		const late = await stub.postEvents({ ...base, events: [{ seq: 3, type: "done", finishReason: "stop", usage }] });
		expect(late).toMatchObject({ ok: true, cancelled: false });
	});

	it("refuses a gap in the sequence with bad_sequence", async () => {
		const zoneId = newZoneId();
		const nodeId = newNodeId();
		const { stub, job } = await leasedJob(zoneId, nodeId);
		const result = await stub.postEvents({
			zoneId,
			nodeId,
			jobId: job.jobId,
			leaseId: job.leaseId,
			events: [{ seq: 2, type: "delta", text: "x" }],
		});
		expect(result).toMatchObject({ ok: false, reason: "bad_sequence" });
	});

	it("renews the lease on every accepted post", async () => {
		const zoneId = newZoneId();
		const nodeId = newNodeId();
		const { stub, job } = await leasedJob(zoneId, nodeId);
		await runInDurableObject(stub, (_i, s) => s.storage.sql.exec("UPDATE jobs SET lease_expires_at = 1"));
		const result = await stub.postEvents({
			zoneId,
			nodeId,
			jobId: job.jobId,
			leaseId: job.leaseId,
			events: [{ seq: 0, type: "delta", text: "x" }],
		});
		if (!result.ok) throw new Error(result.message);
		expect(result.leaseExpiresAt).toBeGreaterThan(Date.now());
	});

	it("re-queues a job on a retryable error before any output, and fails it on a non-retryable one", async () => {
		const zoneId = newZoneId();
		const nodeId = newNodeId();
		const { stub, job, stream } = await leasedJob(zoneId, nodeId);
		const base = { zoneId, nodeId, jobId: job.jobId, leaseId: job.leaseId };
		await stub.postEvents({
			...base,
			events: [{ seq: 0, type: "error", code: "backend_overloaded", message: "busy", retryable: true }],
		});
		const [again] = await stub.poll(pollInput(zoneId, nodeId));
		expect(again).toMatchObject({ jobId: job.jobId, attempt: 2 });
		if (!again) throw new Error("expected the job again");
		await stub.postEvents({
			...base,
			leaseId: again.leaseId,
			events: [{ seq: 0, type: "error", code: "context_length_exceeded", message: "too long", retryable: false }],
		});
		const events = await readAll(stream);
		expect(events.at(-1)).toEqual({ type: "error", code: "context_length_exceeded", message: "too long" });
	});
});
