import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { insertJob } from "../../durable-objects/geozone/jobs/job-queue.js";
import { newNodeId, newZoneId, pollInput, submitInput, zoneStub } from "./geozone-fixtures.js";

/**
 * After a job goes straight to a waiting poll the zone knows its queue is
 * empty and polls skip the queue read: every way a job becomes queued again
 * must end that, or a queued job would wait for nobody.
 */
describe("GeozoneDO: the queue known to be empty", () => {
	async function emptiedByDispatch() {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		const waiting = stub.poll(pollInput(zoneId, nodeId, { waitMs: 30_000 }));
		await stub.summary(zoneId);
		const first = submitInput(zoneId, { stream: false });
		const accepted = await stub.submit(first);
		if (!accepted.accepted) throw new Error("expected the job to be accepted");
		const [leased] = await waiting;
		if (!leased) throw new Error("expected the waiting poll to get the job");
		return { zoneId, stub, nodeId, leased, stream: accepted.stream };
	}

	it("a job written to the queue afterwards reaches the next poll", async () => {
		const { zoneId, stub, nodeId, stream } = await emptiedByDispatch();
		const later = submitInput(zoneId);
		await runInDurableObject(stub, (_i, state) => {
			insertJob(state.storage.sql, later);
		});
		expect((await stub.summary(zoneId)).queueDepth).toBe(1);
		const jobs = await stub.poll(pollInput(zoneId, nodeId));
		expect(jobs.map((j) => j.jobId)).toEqual([later.jobId]);
		await stream.cancel();
	});

	it("a job handed back by its node reaches the next poll", async () => {
		const { zoneId, stub, nodeId, leased, stream } = await emptiedByDispatch();
		// Nobody waits now: the released job stays queued until a poll asks.
		const released = await stub.release({ zoneId, nodeId, leases: [{ jobId: leased.jobId, leaseId: leased.leaseId }] });
		expect(released.requeued).toEqual([leased.jobId]);
		expect((await stub.summary(zoneId)).queueDepth).toBe(1);
		const jobs = await stub.poll(pollInput(zoneId, newNodeId()));
		expect(jobs.map((j) => j.jobId)).toEqual([leased.jobId]);
		await stream.cancel();
	});

	it("a job submitted while no poll waits is queued and reaches the next poll", async () => {
		const { zoneId, stub, nodeId, stream } = await emptiedByDispatch();
		const queued = submitInput(zoneId);
		expect((await stub.submit(queued)).accepted).toBe(true);
		expect((await stub.summary(zoneId)).queueDepth).toBe(1);
		const jobs = await stub.poll(pollInput(zoneId, nodeId));
		expect(jobs.map((j) => j.jobId)).toEqual([queued.jobId]);
		await stream.cancel();
	});
});
