import { describe, expect, it } from "vitest";
import { MODEL, newNodeId, newZoneId, pollInput, readSome, submitInput, zoneStub } from "./geozone-fixtures.js";

describe("GeozoneDO long-poll", () => {
	it("hands a job to a waiting poll the moment it is submitted, and announces the assignment", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		const waiting = stub.poll(pollInput(zoneId, nodeId, { waitMs: 30_000 }));
		// Let the poll register before the job arrives.
		await stub.summary(zoneId);
		const input = submitInput(zoneId);
		const result = await stub.submit(input);
		const jobs = await waiting;
		expect(jobs).toHaveLength(1);
		expect(jobs[0]).toMatchObject({
			jobId: input.jobId,
			attempt: 1,
			model: MODEL,
			request: JSON.parse(input.requestJson),
		});
		expect(jobs[0]?.leaseId).toMatch(/^lease_[a-z0-9]{24}$/);
		if (!result.accepted) throw new Error("expected the job to be accepted");
		// The lease made while accepting comes with the answer, not as a chunk of its own on the stream.
		expect(result.assigned).toEqual({ nodeId, attempt: 1 });
		const reader = result.stream.getReader();
		await stub.postEvents({
			zoneId,
			nodeId,
			jobId: input.jobId,
			leaseId: jobs[0]?.leaseId ?? "",
			events: [{ seq: 0, type: "delta", text: "hi" }],
		});
		expect(await readSome(reader, 1)).toEqual([{ type: "delta", text: "hi" }]);
		await reader.cancel();
	});

	it("announces on the stream a lease made after the job was queued", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		await stub.poll(pollInput(zoneId, nodeId));
		const result = await stub.submit(submitInput(zoneId));
		if (!result.accepted) throw new Error("expected the job to be accepted");
		expect(result.assigned).toBeNull();
		expect(await stub.poll(pollInput(zoneId, nodeId))).toHaveLength(1);
		const reader = result.stream.getReader();
		expect(await readSome(reader, 1)).toEqual([{ type: "assigned", nodeId, attempt: 1 }]);
		await reader.cancel();
	});

	it("answers [] when nothing arrives within the wait", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		expect(await stub.poll(pollInput(zoneId, newNodeId(), { waitMs: 20 }))).toEqual([]);
	});

	it("does not hand a job to a poll for other models", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const other = stub.poll(pollInput(zoneId, newNodeId(), { waitMs: 50, models: ["other-model"] }));
		await stub.poll(pollInput(zoneId, newNodeId()));
		const result = await stub.submit(submitInput(zoneId));
		expect(result.accepted).toBe(true);
		expect(await other).toEqual([]);
		expect((await stub.summary(zoneId)).queueDepth).toBe(1);
	});

	it("answers an older poll [] when the same node polls again, and leases only to the newer", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		const older = stub.poll(pollInput(zoneId, nodeId, { waitMs: 30_000 }));
		await stub.summary(zoneId);
		const newer = stub.poll(pollInput(zoneId, nodeId, { waitMs: 30_000 }));
		expect(await older).toEqual([]);
		const input = submitInput(zoneId);
		await stub.submit(input);
		const jobs = await newer;
		expect(jobs.map((j) => j.jobId)).toEqual([input.jobId]);
	});

	it("leases queued jobs oldest first, at most maxJobs per poll", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		await stub.poll(pollInput(zoneId, nodeId));
		const ids: string[] = [];
		for (let i = 0; i < 3; i++) {
			const input = submitInput(zoneId);
			ids.push(input.jobId);
			await stub.submit(input);
		}
		const first = await stub.poll(pollInput(zoneId, nodeId, { maxJobs: 2 }));
		expect(first.map((j) => j.jobId)).toEqual(ids.slice(0, 2));
		const second = await stub.poll(pollInput(zoneId, nodeId, { maxJobs: 2 }));
		expect(second.map((j) => j.jobId)).toEqual(ids.slice(2));
		const summary = await stub.summary(zoneId);
		expect(summary).toMatchObject({ liveNodes: 1, models: [MODEL], slots: 4, freeSlots: 1, queueDepth: 0 });
	});
});
