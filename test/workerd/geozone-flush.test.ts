import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { flushHistory } from "../../durable-objects/geozone/alarm/history-flush.js";
import { parseGeozoneConfig } from "../../durable-objects/geozone/config.js";
import { OutputStreams } from "../../durable-objects/geozone/jobs/output-streams.js";
import { Waiters } from "../../durable-objects/geozone/nodes/waiters.js";
import { MODEL, newNodeId, newZoneId, pollInput, submitInput, zoneStub } from "./geozone-fixtures.js";

async function finishedJob(zoneId: string) {
	const stub = zoneStub(zoneId);
	const nodeId = newNodeId();
	await stub.poll(pollInput(zoneId, nodeId));
	const input = submitInput(zoneId);
	await stub.submit(input);
	const [job] = await stub.poll(pollInput(zoneId, nodeId));
	if (!job) throw new Error("expected a leased job");
	const usage = { prompt_tokens: 7, completion_tokens: 3 };
	await stub.postEvents({
		zoneId,
		nodeId,
		jobId: job.jobId,
		leaseId: job.leaseId,
		events: [
			{ seq: 0, type: "delta", text: "hi" },
			{ seq: 1, type: "done", finishReason: "stop", usage },
		],
	});
	return { stub, nodeId, input };
}

/** A zone state over the object's storage, for calling flushHistory directly. */
function zoneStateOf(s: DurableObjectState) {
	return {
		sql: s.storage.sql,
		config: parseGeozoneConfig(env),
		waiters: new Waiters(),
		streams: new OutputStreams(),
		now: () => Date.now(),
		afterBackgroundChange: () => undefined,
	};
}

describe("GeozoneDO history flush to D1", () => {
	it("writes a finished job and the zone's status to D1 when the alarm runs", async () => {
		const zoneId = newZoneId();
		const { stub, nodeId, input } = await finishedJob(zoneId);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		const row = await env.DB.prepare("SELECT * FROM jobs WHERE id = ?").bind(input.jobId).first();
		expect(row).toMatchObject({
			id: input.jobId,
			tenant_id: "tenant_dev",
			model: MODEL,
			zone_id: zoneId,
			node_id: nodeId,
			status: "succeeded",
			stream: 1,
			attempts: 1,
			prompt_tokens: 7,
			completion_tokens: 3,
			finish_reason: "stop",
			received_at: input.receivedAt,
		});
		expect(row?.routing).toBe(input.routingJson);
		expect(row?.first_token_at).not.toBeNull();
		const status = await env.DB.prepare("SELECT * FROM zone_status WHERE zone_id = ?").bind(zoneId).first();
		expect(status).toMatchObject({ live_nodes: 1, slots: 4, free_slots: 4, queue_depth: 0 });
		expect(JSON.parse(String(status?.models))).toEqual([MODEL]);
		const pending = await runInDurableObject(
			stub,
			(_i, s) => s.storage.sql.exec("SELECT history_pending FROM jobs").one().history_pending,
		);
		expect(pending).toBe(0);
	});

	it("writes every history column, and a job flushed again overwrites its row", async () => {
		const zoneId = newZoneId();
		const { stub, input } = await finishedJob(zoneId);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		const first = await env.DB.prepare("SELECT * FROM jobs WHERE id = ?").bind(input.jobId).first();
		expect(first).toMatchObject({ kind: "sync", api_key_id: null, stream: 1 });
		expect(first?.est_energy_j).toBeGreaterThan(0);
		// As if the first batch's answer was lost: the zone writes the job again, with what it has now.
		await runInDurableObject(stub, async (_i, s) => {
			s.storage.sql.exec("UPDATE jobs SET history_pending = 1, completion_tokens = 99 WHERE job_id = ?", input.jobId);
			expect(await flushHistory(zoneStateOf(s), env.DB, zoneId)).toBe(1);
		});
		const again = await env.DB.prepare("SELECT * FROM jobs WHERE id = ?").bind(input.jobId).first();
		expect(again).toEqual({ ...first, completion_tokens: 99 });
		const count = await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE id = ?").bind(input.jobId).first();
		expect(count).toEqual({ n: 1 });
	});

	it("keeps the rows pending when the D1 write fails, to retry later", async () => {
		const zoneId = newZoneId();
		const { stub, input } = await finishedJob(zoneId);
		const broken = new Proxy(env.DB, {
			get(target, key) {
				if (key === "batch") return () => Promise.reject(new Error("D1 unavailable"));
				const value = Reflect.get(target, key);
				return typeof value === "function" ? value.bind(target) : value;
			},
		});
		await runInDurableObject(stub, async (_i, s) => {
			await expect(flushHistory(zoneStateOf(s), broken, zoneId)).rejects.toThrow(/D1 unavailable/);
			expect(s.storage.sql.exec("SELECT history_pending FROM jobs").one().history_pending).toBe(1);
			expect(s.storage.sql.exec("SELECT value FROM meta WHERE key = 'flush_due_at'").toArray()).toHaveLength(1);
		});
		const row = await env.DB.prepare("SELECT id FROM jobs WHERE id = ?").bind(input.jobId).first();
		expect(row).toBeNull();
		await runDurableObjectAlarm(stub);
		const after = await env.DB.prepare("SELECT status FROM jobs WHERE id = ?").bind(input.jobId).first();
		expect(after).toEqual({ status: "succeeded" });
	});

	it("deletes finished jobs from SQLite only after they were flushed and retained", async () => {
		const zoneId = newZoneId();
		const { stub } = await finishedJob(zoneId);
		await runDurableObjectAlarm(stub);
		await runInDurableObject(stub, (_i, s) => {
			s.storage.sql.exec("UPDATE jobs SET finished_at = 1");
		});
		await runDurableObjectAlarm(stub);
		const left = await runInDurableObject(
			stub,
			(_i, s) => s.storage.sql.exec("SELECT count(*) AS n FROM jobs").one().n,
		);
		expect(left).toBe(0);
	});
});
