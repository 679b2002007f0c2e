/** The zone's moving averages of queue wait and time to first token: EWMA steps, persistence, D1 zone_status. */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseGeozoneConfig } from "../../durable-objects/geozone/config.js";
import { applyJobEvents } from "../../durable-objects/geozone/jobs/job-events.js";
import { insertJob } from "../../durable-objects/geozone/jobs/job-queue.js";
import { requeueJob } from "../../durable-objects/geozone/jobs/job-transitions.js";
import { leaseJobs } from "../../durable-objects/geozone/jobs/leases.js";
import { EWMA_ALPHA, ewmaStep, movingAverages } from "../../durable-objects/geozone/jobs/moving-averages.js";
import { OutputStreams } from "../../durable-objects/geozone/jobs/output-streams.js";
import { Waiters } from "../../durable-objects/geozone/nodes/waiters.js";
import type { ZoneState } from "../../durable-objects/geozone/zone-state.js";
import { newNodeId, newZoneId, submitInput, zoneStub } from "./geozone-fixtures.js";

/** A zone state over the object's SQLite with a clock the test sets. */
function stateAt(sql: SqlStorage, clock: { now: number }): ZoneState {
	return {
		sql,
		config: parseGeozoneConfig(env),
		waiters: new Waiters(),
		streams: new OutputStreams(),
		now: () => clock.now,
		afterBackgroundChange: () => undefined,
	};
}

/** Leases one job received at `receivedAt` at `leaseAt`, then posts its first delta at `tokenAt`. */
function runOne(state: ZoneState, clock: { now: number }, zoneId: string, times: [number, number, number]): void {
	const [receivedAt, leaseAt, tokenAt] = times;
	const input = submitInput(zoneId, { receivedAt });
	insertJob(state.sql, input);
	clock.now = leaseAt;
	const row = state.sql.exec("SELECT * FROM jobs WHERE job_id = ?", input.jobId).toArray();
	const [job] = leaseJobs(state, "node_test", row as never);
	if (!job) throw new Error("expected a lease");
	clock.now = tokenAt;
	const posted = applyJobEvents(state, {
		zoneId,
		nodeId: "node_test",
		jobId: job.jobId,
		leaseId: job.leaseId,
		events: [
			{ seq: 0, type: "delta", text: "a" },
			{ seq: 1, type: "delta", text: "b" },
		],
	});
	if (!posted.ok) throw new Error(posted.message);
}

describe("GeozoneDO moving averages", () => {
	it("starts at the first sample, then moves by alpha towards each new one", () => {
		expect(EWMA_ALPHA).toBe(0.2);
		expect(ewmaStep(0, 0, 400)).toBe(400);
		expect(ewmaStep(400, 1, 1400)).toBe(600);
		expect(ewmaStep(600, 2, 100)).toBe(500);
	});

	it("averages queue wait and time to first token, keeps them across eviction and writes them to zone_status", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.summary(zoneId);
		await runInDurableObject(stub, async (_i, s) => {
			const clock = { now: 1_000_000 };
			const state = stateAt(s.storage.sql, clock);
			// Waits 400 then 1400 ms: 400, then 400 + 0.2 × 1000 = 600. TTFT 250 then 750: 250, then 350.
			runOne(state, clock, zoneId, [1_000_000, 1_000_400, 1_000_650]);
			runOne(state, clock, zoneId, [1_001_000, 1_002_400, 1_003_150]);
			expect(movingAverages(s.storage.sql)).toEqual({
				queueWaitMs: 600,
				ttftMs: 350,
				queueWaitSamples: 2,
				ttftSamples: 2,
			});
			// The modules were driven directly, so plan the alarm the RPCs would have planned.
			await s.storage.setAlarm(Date.now() + 60_000);
		});

		await evictDurableObject(stub);

		const summary = await stub.summary(zoneId);
		expect(summary).toMatchObject({ queueWaitMs: 600, ttftMs: 350 });
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		const status = await env.DB.prepare("SELECT queue_wait_ms, ttft_ms FROM zone_status WHERE zone_id = ?")
			.bind(zoneId)
			.first();
		expect(status).toEqual({ queue_wait_ms: 600, ttft_ms: 350 });
	});

	it("takes no queue-wait sample from a retried lease, whose wait includes the failed attempt", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.summary(zoneId);
		await runInDurableObject(stub, (_i, s) => {
			const clock = { now: 5_000 };
			const state = stateAt(s.storage.sql, clock);
			const input = submitInput(zoneId, { receivedAt: 4_900 });
			insertJob(state.sql, input);
			const rows = () => state.sql.exec("SELECT * FROM jobs WHERE job_id = ?", input.jobId).toArray() as never;
			leaseJobs(state, newNodeId(), rows());
			expect(requeueJob(state, input.jobId, true, "lease_expired")).toBe("queued");
			clock.now = 60_000;
			leaseJobs(state, newNodeId(), rows());
			expect(movingAverages(state.sql)).toMatchObject({ queueWaitMs: 100, queueWaitSamples: 1 });
		});
	});
});
