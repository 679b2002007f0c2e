/** BatchStoreDO: batches and their requests survive eviction; work, dispatch, cancel, expiry and the tick lease. */
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BatchStoreDO } from "../../durable-objects/batch-store-do.js";
import type { CreateBatchInput } from "../../durable-objects/batches/contract.js";

const HOUR = 3_600_000;

function store(tenantId: string) {
	return env.BATCHES.get(env.BATCHES.idFromName(`tenant:${tenantId}`));
}

function batchInput(tenantId: string, id: string, now: number, lines = 3): CreateBatchInput {
	return {
		id,
		tenantId,
		endpoint: "/v1/chat/completions",
		inputFileId: "file-input000001",
		completionWindow: "24h",
		defer: true,
		createdAt: now,
		expiresAt: now + 24 * HOUR,
		metadata: { run: "nightly" },
		allowedRegions: null,
		lines: Array.from({ length: lines }, (_, i) => ({
			line: i + 1,
			customId: `c${i + 1}`,
			model: "m",
			requestJson: JSON.stringify({ messages: [{ role: "user", content: `q${i}` }] }),
			errorJson: null,
		})),
	};
}

describe("BatchStoreDO", () => {
	it("keeps a batch and the state of each request across an eviction", async () => {
		const stub = store("t-evict");
		const now = Date.now();
		await stub.create(batchInput("t-evict", "batch_evict0001", now));
		expect(
			await stub.dispatched({ tenantId: "t-evict", batchId: "batch_evict0001", line: 1, jobId: "job_a", zoneId: "z1" }),
		).toBe(true);
		await stub.settle({
			tenantId: "t-evict",
			batchId: "batch_evict0001",
			line: 1,
			state: "succeeded",
			resultJson: "{}",
		});
		await evictDurableObject(stub);
		const after = await stub.get({ tenantId: "t-evict", batchId: "batch_evict0001" });
		expect(after).toMatchObject({
			status: "in_progress",
			metadata: { run: "nightly" },
			counts: { total: 3, completed: 1, failed: 0 },
		});
		const work = await stub.work({ tenantId: "t-evict", now, limit: 10 });
		expect(work.pending.map((p) => p.line)).toEqual([2, 3]);
		expect(work.liveBatches).toBe(1);
	});

	it("cancels: pending requests end at once, a running one is handed to the tick, then the batch ends cancelled", async () => {
		const stub = store("t-cancel");
		const now = Date.now();
		await stub.create(batchInput("t-cancel", "batch_cancel001", now));
		await stub.dispatched({ tenantId: "t-cancel", batchId: "batch_cancel001", line: 1, jobId: "job_b", zoneId: "z1" });
		expect(await stub.cancel({ tenantId: "t-cancel", batchId: "batch_cancel001" })).toMatchObject({
			status: "cancelling",
		});
		// A request cancelled while pending is never dispatched.
		expect(
			await stub.dispatched({
				tenantId: "t-cancel",
				batchId: "batch_cancel001",
				line: 2,
				jobId: "job_c",
				zoneId: "z1",
			}),
		).toBe(false);
		const work = await stub.work({ tenantId: "t-cancel", now, limit: 10 });
		expect(work.pending).toEqual([]);
		expect(work.dispatched).toEqual([expect.objectContaining({ line: 1, jobId: "job_b", cancelling: true })]);
		await stub.settle({
			tenantId: "t-cancel",
			batchId: "batch_cancel001",
			line: 1,
			state: "cancelled",
			resultJson: "{}",
		});
		expect((await stub.work({ tenantId: "t-cancel", now, limit: 10 })).toFinalize).toEqual(["batch_cancel001"]);
		const ended = await stub.finalize({
			tenantId: "t-cancel",
			batchId: "batch_cancel001",
			outputFileId: null,
			errorFileId: null,
			now,
		});
		expect(ended).toMatchObject({ status: "cancelled", counts: { total: 3, completed: 0, failed: 0 } });
	});

	it("expires a batch past its window: its pending requests fail as batch_expired", async () => {
		const stub = store("t-expire");
		const now = Date.now();
		await stub.create(batchInput("t-expire", "batch_expire001", now, 2));
		const work = await stub.work({ tenantId: "t-expire", now: now + 25 * HOUR, limit: 10 });
		expect(work.pending).toEqual([]);
		expect(work.toFinalize).toEqual(["batch_expire001"]);
		const results = await stub.results({ tenantId: "t-expire", batchId: "batch_expire001" });
		expect(results.errors).toHaveLength(2);
		expect(results.errors[0]).toContain("batch_expired");
		await stub.finalize({
			tenantId: "t-expire",
			batchId: "batch_expire001",
			outputFileId: null,
			errorFileId: "file-err0000001",
			now,
		});
		expect(await stub.get({ tenantId: "t-expire", batchId: "batch_expire001" })).toMatchObject({
			status: "expired",
			counts: { total: 2, completed: 0, failed: 2 },
		});
	});

	it("lets one tick at a time hold the tenant, and frees a lease left by a tick that died", async () => {
		const stub = store("t-lease");
		const now = Date.now();
		expect(await stub.lease({ tenantId: "t-lease", now })).toBe(true);
		expect(await stub.lease({ tenantId: "t-lease", now: now + 1_000 })).toBe(false);
		expect(await stub.lease({ tenantId: "t-lease", now: now + 61_000 })).toBe(true);
		await stub.release({ tenantId: "t-lease" });
		expect(await stub.lease({ tenantId: "t-lease", now: now + 62_000 })).toBe(true);
	});

	it("refuses an invalid input naming the field and the value", async () => {
		// Called on the instance, so the refusal stays a rejection here instead of an RPC error report.
		await runInDurableObject(store("t-bad"), async (instance: BatchStoreDO) => {
			await expect(instance.get({ tenantId: "t-bad", batchId: "nope" })).rejects.toThrow(/get: batchId: .*got "nope"/);
		});
	});
});
