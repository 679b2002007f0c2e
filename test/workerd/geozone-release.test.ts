import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newNodeId, newZoneId, pollInput, readAll, submitInput, zoneStub } from "./geozone-fixtures.js";

describe("GeozoneDO release", () => {
	it("returns unstarted jobs to the queue without counting the attempt, and dispatches them again", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const leaving = newNodeId();
		await stub.poll(pollInput(zoneId, leaving));
		const input = submitInput(zoneId);
		await stub.submit(input);
		const [job] = await stub.poll(pollInput(zoneId, leaving));
		if (!job) throw new Error("expected a leased job");
		const result = await stub.release({
			zoneId,
			nodeId: leaving,
			leases: [{ jobId: job.jobId, leaseId: job.leaseId }],
		});
		expect(result).toEqual({ requeued: [job.jobId], failed: [], notHeld: [] });
		const [again] = await stub.poll(pollInput(zoneId, newNodeId()));
		expect(again).toMatchObject({ jobId: input.jobId, attempt: 1 });
	});

	it("fails a job that already produced output with shutdown", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		await stub.poll(pollInput(zoneId, nodeId));
		const submitted = await stub.submit(submitInput(zoneId));
		if (!submitted.accepted) throw new Error("expected the job to be accepted");
		const [job] = await stub.poll(pollInput(zoneId, nodeId));
		if (!job) throw new Error("expected a leased job");
		const lease = { jobId: job.jobId, leaseId: job.leaseId };
		await stub.postEvents({ zoneId, nodeId, ...lease, events: [{ seq: 0, type: "delta", text: "a" }] });
		const result = await stub.release({ zoneId, nodeId, leases: [lease] });
		expect(result).toEqual({ requeued: [], failed: [job.jobId], notHeld: [] });
		const events = await readAll(submitted.stream);
		expect(events.at(-1)).toMatchObject({ type: "error", code: "shutdown" });
	});

	it("leaves alone a lease the node does not hold", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		await stub.poll(pollInput(zoneId, nodeId));
		await stub.submit(submitInput(zoneId));
		const [job] = await stub.poll(pollInput(zoneId, nodeId));
		if (!job) throw new Error("expected a leased job");
		const result = await stub.release({
			zoneId,
			nodeId: newNodeId(),
			leases: [{ jobId: job.jobId, leaseId: job.leaseId }],
		});
		expect(result.notHeld).toEqual([job.jobId]);
		const status = await runInDurableObject(
			stub,
			(_i, s) => s.storage.sql.exec("SELECT status FROM jobs").one().status,
		);
		expect(status).toBe("leased");
	});
});
