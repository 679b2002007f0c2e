import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { insertJob } from "../../durable-objects/geozone/jobs/job-queue.js";
import { ensureSchema, readMeta, SCHEMA_VERSION } from "../../durable-objects/geozone/schema.js";
import { newNodeId, newZoneId, pollInput, submitInput, zoneStub } from "./geozone-fixtures.js";

describe("GeozoneDO durability", () => {
	it("keeps queued jobs and held leases across an eviction", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		await stub.poll(pollInput(zoneId, nodeId));
		const leasedInput = submitInput(zoneId);
		const queuedInput = submitInput(zoneId);
		// Written without output streams: an open stream keeps the object busy, and eviction would wait on it.
		await runInDurableObject(stub, (_i, state) => {
			insertJob(state.storage.sql, leasedInput);
			insertJob(state.storage.sql, queuedInput);
		});
		const [job] = await stub.poll(pollInput(zoneId, nodeId, { maxJobs: 1 }));
		if (job?.jobId !== leasedInput.jobId) throw new Error("expected the oldest job leased");

		await evictDurableObject(stub);

		const beat = await stub.heartbeat({
			zoneId,
			nodeId,
			hardware: "simulated",
			gpus: [],
			host: { cpuPct: 1, memUsedBytes: 1, memTotalBytes: 2 },
			models: [job.model],
			slots: 4,
			running: [{ jobId: job.jobId, leaseId: job.leaseId }],
			tokensPerSecond: 0,
			queueDepth: 0,
		});
		expect(Object.keys(beat.leases)).toEqual([job.jobId]);
		const post = await stub.postEvents({
			zoneId,
			nodeId,
			jobId: job.jobId,
			leaseId: job.leaseId,
			events: [{ seq: 0, type: "delta", text: "still here" }],
		});
		expect(post).toMatchObject({ ok: true, cancelled: false });
		const [queued] = await stub.poll(pollInput(zoneId, newNodeId()));
		expect(queued?.jobId).toBe(queuedInput.jobId);
	});

	it("runs the schema DDL once and skips it when the stored version is current", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.summary(zoneId);
		await runInDurableObject(stub, (_i, state) => {
			const sql = state.storage.sql;
			expect(readMeta(sql, "schema_version")).toBe(String(SCHEMA_VERSION));
			expect(ensureSchema(sql)).toBe(0);
			sql.exec("DELETE FROM meta WHERE key = 'schema_version'");
			// Re-running every step over existing tables must be harmless.
			expect(ensureSchema(sql)).toBeGreaterThan(0);
			expect(ensureSchema(sql)).toBe(0);
		});
		await evictDurableObject(stub);
		expect((await stub.summary(zoneId)).zoneId).toBe(zoneId);
	});

	it("refuses an RPC for another zone than the one the object serves", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.summary(zoneId);
		const error = await stub.summary("other-zone").then(
			() => null,
			(e: unknown) => e,
		);
		expect(String(error)).toMatch(/zoneId: this object serves/);
	});
});
