import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newNodeId, newZoneId, pollInput, readAll, submitInput, zoneStub } from "./geozone-fixtures.js";

type Stub = ReturnType<typeof zoneStub>;

const expireLeases = (stub: Stub) =>
	runInDurableObject(stub, (_i, s) => {
		s.storage.sql.exec("UPDATE jobs SET lease_expires_at = 1 WHERE status IN ('leased', 'running')");
	});

const jobRow = (stub: Stub, jobId: string) =>
	runInDurableObject(stub, (_i, s) =>
		s.storage.sql
			.exec<{ status: string; attempts: number; error_code: string | null }>(
				"SELECT status, attempts, error_code FROM jobs WHERE job_id = ?",
				jobId,
			)
			.one(),
	);

describe("GeozoneDO alarm: lapsed leases", () => {
	it("re-queues a job whose lease expired, and the next poll gets it as attempt 2", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		await stub.poll(pollInput(zoneId, nodeId));
		const input = submitInput(zoneId);
		await stub.submit(input);
		const [first] = await stub.poll(pollInput(zoneId, nodeId));
		expect(first?.attempt).toBe(1);
		await expireLeases(stub);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await jobRow(stub, input.jobId)).toMatchObject({ status: "queued", attempts: 1 });
		const [second] = await stub.poll(pollInput(zoneId, newNodeId()));
		expect(second).toMatchObject({ jobId: input.jobId, attempt: 2 });
		expect(second?.leaseId).not.toBe(first?.leaseId);
	});

	it("fails a job with max_attempts once it lapsed MAX_ATTEMPTS times", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		await stub.poll(pollInput(zoneId, nodeId));
		const input = submitInput(zoneId);
		const result = await stub.submit(input);
		if (!result.accepted) throw new Error("expected the job to be accepted");
		const maxAttempts = Number(env.MAX_ATTEMPTS);
		for (let attempt = 1; attempt <= maxAttempts; attempt++) {
			const [job] = await stub.poll(pollInput(zoneId, nodeId));
			expect(job?.attempt).toBe(attempt);
			await expireLeases(stub);
			await runDurableObjectAlarm(stub);
		}
		expect(await jobRow(stub, input.jobId)).toMatchObject({ status: "failed", error_code: "max_attempts" });
		expect(await stub.poll(pollInput(zoneId, nodeId))).toEqual([]);
		const events = await readAll(result.stream);
		expect(events.at(-1)).toMatchObject({ type: "error", code: "max_attempts" });
	});

	it("ends a job that had streamed output with a lease_expired error event, never a silent cut", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		await stub.poll(pollInput(zoneId, nodeId));
		const input = submitInput(zoneId);
		const result = await stub.submit(input);
		if (!result.accepted) throw new Error("expected the job to be accepted");
		const [job] = await stub.poll(pollInput(zoneId, nodeId));
		if (!job) throw new Error("expected a leased job");
		await stub.postEvents({
			zoneId,
			nodeId,
			jobId: job.jobId,
			leaseId: job.leaseId,
			events: [{ seq: 0, type: "delta", text: "partial" }],
		});
		await expireLeases(stub);
		await runDurableObjectAlarm(stub);
		expect(await jobRow(stub, input.jobId)).toMatchObject({ status: "expired", error_code: "lease_expired" });
		const events = await readAll(result.stream);
		expect(events.map((e) => e.type)).toEqual(["assigned", "delta", "error"]);
		expect(events.at(-1)).toMatchObject({ code: "lease_expired" });
		const late = await stub.postEvents({
			zoneId,
			nodeId,
			jobId: job.jobId,
			leaseId: job.leaseId,
			events: [{ seq: 1, type: "delta", text: "more" }],
		});
		expect(late).toMatchObject({ ok: true, cancelled: true });
	});

	it("marks a node gone once it stops polling, so the zone refuses its model", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.poll(pollInput(zoneId, newNodeId()));
		expect((await stub.summary(zoneId)).liveNodes).toBe(1);
		await runInDurableObject(stub, (_i, s) => {
			s.storage.sql.exec("UPDATE nodes SET last_seen_at = 1");
		});
		await runDurableObjectAlarm(stub);
		const live = await runInDurableObject(stub, (_i, s) => s.storage.sql.exec("SELECT live FROM nodes").one().live);
		expect(live).toBe(0);
		expect((await stub.summary(zoneId)).liveNodes).toBe(0);
		expect(await stub.submit(submitInput(zoneId))).toMatchObject({ accepted: false, reason: "no_live_node" });
	});

	it("takes a node marked gone back the moment it polls again, however soon", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		await stub.poll(pollInput(zoneId, nodeId));
		await runInDurableObject(stub, (_i, s) => {
			s.storage.sql.exec("UPDATE nodes SET last_seen_at = 1");
		});
		await runDurableObjectAlarm(stub);
		expect((await stub.summary(zoneId)).liveNodes).toBe(0);
		await stub.poll(pollInput(zoneId, nodeId));
		const live = await runInDurableObject(stub, (_i, s) => s.storage.sql.exec("SELECT live FROM nodes").one().live);
		expect(live).toBe(1);
		expect((await stub.summary(zoneId)).liveNodes).toBe(1);
		expect((await stub.submit(submitInput(zoneId))).accepted).toBe(true);
	});
});
