/**
 * A zone that loses its last node for a model hands that model's queued jobs
 * back within ZONE_HANDBACK_MS of the node being marked gone: a sync job ends
 * with `no_capacity` (the Worker then tries the next zone), an async job is
 * handed to another zone of its routing record, once, even when the hand-off
 * is interrupted and resumed.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MODEL, newNodeId, newZoneId, pollInput, readAll, submitInput, zoneStub } from "./geozone-fixtures.js";

type Stub = ReturnType<typeof zoneStub>;

const NODE_LIVE_MS = Number(env.NODE_LIVE_MS);
const HANDBACK_MS = Number(env.ZONE_HANDBACK_MS);

/** A zone with one live node that has no poll open: submitted jobs stay queued. */
async function zoneWithIdleNode() {
	const zoneId = newZoneId();
	const stub = zoneStub(zoneId);
	const nodeId = newNodeId();
	await stub.poll(pollInput(zoneId, nodeId));
	return { zoneId, stub, nodeId };
}

/** Dates the zone's nodes' last sighting `ago` ms back, as if they had fallen silent then. */
const silenceNodes = (stub: Stub, ago: number) =>
	runInDurableObject(stub, (_i, s) => {
		s.storage.sql.exec("UPDATE nodes SET last_seen_at = ?", Date.now() - ago);
	});

const jobStatus = (stub: Stub, jobId: string) =>
	runInDurableObject(
		stub,
		(_i, s) =>
			s.storage.sql
				.exec<{ status: string; error_code: string | null }>(
					"SELECT status, error_code FROM jobs WHERE job_id = ?",
					jobId,
				)
				.toArray()[0] ?? null,
	);

/** A routing record naming `zones` as the candidates, in order. */
function routingJson(zones: string[]): string {
	const candidate = (zoneId: string) => ({
		zoneId,
		estLatencyMs: 10,
		gco2PerKwh: 100,
		carbonSource: "static",
		score: 1,
		freeSlots: 1,
		queueDepth: 0,
	});
	return JSON.stringify({
		policy: "latency",
		client: { lat: 0, lon: 0, source: "test" },
		candidates: zones.map(candidate),
		excluded: [],
		chosenZoneId: zones[0],
		refused: [],
		nearestZoneId: zones[0],
		nearestGco2PerKwh: 100,
	});
}

/** The D1 index row of an async job held by `zoneId`. */
async function recordAsyncJob(jobId: string, zoneId: string): Promise<void> {
	await env.DB.prepare(
		`INSERT INTO async_jobs (id, tenant_id, zone_id, model, request_hash, created_at, expires_at)
		 VALUES (?, 'tenant_dev', ?, ?, 'hash', ?, ?)`,
	)
		.bind(jobId, zoneId, MODEL, Date.now(), Date.now() + 86_400_000)
		.run();
}

const indexedZone = async (jobId: string) =>
	(await env.DB.prepare("SELECT zone_id FROM async_jobs WHERE id = ?").bind(jobId).first<{ zone_id: string }>())
		?.zone_id;

describe("GeozoneDO hand-back of a zone that lost its last node", () => {
	it("hands a queued sync job back with no_capacity once the last node is gone ZONE_HANDBACK_MS", async () => {
		const { zoneId, stub } = await zoneWithIdleNode();
		const input = submitInput(zoneId);
		const result = await stub.submit(input);
		if (!result.accepted) throw new Error("expected the job to be accepted");
		await silenceNodes(stub, NODE_LIVE_MS + HANDBACK_MS + 1_000);
		const report = await runInDurableObject(stub, (instance) => instance.runAlarm());
		expect(report.handedBack).toEqual([input.jobId]);
		expect(await jobStatus(stub, input.jobId)).toEqual({ status: "failed", error_code: "no_capacity" });
		const events = await readAll(result.stream);
		expect(events.at(-1)).toMatchObject({ type: "error", code: "no_capacity" });
	});

	it("keeps the job queued within the grace and plans the alarm for the grace's end", async () => {
		const { zoneId, stub } = await zoneWithIdleNode();
		const input = submitInput(zoneId);
		await stub.submit(input);
		const silentSince = Date.now() - NODE_LIVE_MS - 1_000;
		await runInDurableObject(stub, (_i, s) => {
			s.storage.sql.exec("UPDATE nodes SET last_seen_at = ?", silentSince);
		});
		const report = await runInDurableObject(stub, (instance) => instance.runAlarm());
		expect(report.nodesGone).toHaveLength(1);
		expect(report.handedBack).toEqual([]);
		expect(await jobStatus(stub, input.jobId)).toMatchObject({ status: "queued" });
		const alarm = await runInDurableObject(stub, (_i, s) => s.storage.getAlarm());
		expect(alarm).toBe(silentSince + NODE_LIVE_MS + HANDBACK_MS);
	});

	it("leaves queued jobs alone while another live node serves the model", async () => {
		const { zoneId, stub } = await zoneWithIdleNode();
		const input = submitInput(zoneId);
		await stub.submit(input);
		await silenceNodes(stub, NODE_LIVE_MS + HANDBACK_MS + 1_000);
		await stub.poll(pollInput(zoneId, newNodeId()));
		// The poll above took the job: a second one, queued behind it, must stay.
		const second = submitInput(zoneId);
		await stub.submit(second);
		const report = await runInDurableObject(stub, (instance) => instance.runAlarm());
		expect(report.handedBack).toEqual([]);
		expect(await jobStatus(stub, second.jobId)).toMatchObject({ status: "queued" });
	});

	it("hands a queued async job to the next zone of its routing record, which then holds the only copy", async () => {
		const { zoneId, stub } = await zoneWithIdleNode();
		const { zoneId: otherId, stub: other } = await zoneWithIdleNode();
		const input = submitInput(zoneId, { kind: "async", stream: false, routingJson: routingJson([zoneId, otherId]) });
		await recordAsyncJob(input.jobId, zoneId);
		expect(await stub.submitAsync(input)).toMatchObject({ accepted: true });
		await silenceNodes(stub, NODE_LIVE_MS + HANDBACK_MS + 1_000);
		const report = await runInDurableObject(stub, (instance) => instance.runAlarm());
		expect(report.handoff).toEqual({ moved: [input.jobId], failed: [], pending: [] });
		expect(await jobStatus(stub, input.jobId)).toBeNull();
		expect(await jobStatus(other, input.jobId)).toMatchObject({ status: "queued" });
		expect(await indexedZone(input.jobId)).toBe(otherId);
		const view = await other.getJob(otherId, input.jobId, input.tenantId);
		expect(view).toMatchObject({ status: "queued", zoneId: otherId });
	});

	it("finishes an interrupted hand-off at the same zone without a second copy", async () => {
		const { zoneId, stub } = await zoneWithIdleNode();
		const { zoneId: otherId, stub: other } = await zoneWithIdleNode();
		const { zoneId: thirdId, stub: third } = await zoneWithIdleNode();
		const input = submitInput(zoneId, {
			kind: "async",
			stream: false,
			routingJson: routingJson([zoneId, thirdId, otherId]),
		});
		await stub.submitAsync(input);
		// As if the alarm had stopped after claiming otherId and submitting there, before deleting its row.
		await recordAsyncJob(input.jobId, otherId);
		await other.submitAsync({ ...input, zoneId: otherId });
		await runInDurableObject(stub, (_i, s) => {
			s.storage.sql.exec("UPDATE jobs SET handoff_zone = ? WHERE job_id = ?", otherId, input.jobId);
		});
		expect(await stub.poll(pollInput(zoneId, newNodeId()))).toEqual([]);
		await silenceNodes(stub, NODE_LIVE_MS + HANDBACK_MS + 1_000);
		const report = await runInDurableObject(stub, (instance) => instance.runAlarm());
		expect(report.handoff.moved).toEqual([input.jobId]);
		expect(await jobStatus(stub, input.jobId)).toBeNull();
		expect(await jobStatus(other, input.jobId)).toMatchObject({ status: "queued" });
		expect(await jobStatus(third, input.jobId)).toBeNull();
		expect(await indexedZone(input.jobId)).toBe(otherId);
	});

	it("fails a queued async job with no_capacity when no other zone takes it", async () => {
		const { zoneId, stub } = await zoneWithIdleNode();
		const emptyId = newZoneId();
		const input = submitInput(zoneId, { kind: "async", stream: false, routingJson: routingJson([zoneId, emptyId]) });
		await recordAsyncJob(input.jobId, zoneId);
		await stub.submitAsync(input);
		await silenceNodes(stub, NODE_LIVE_MS + HANDBACK_MS + 1_000);
		const report = await runInDurableObject(stub, (instance) => instance.runAlarm());
		expect(report.handoff).toEqual({ moved: [], failed: [input.jobId], pending: [] });
		expect(await jobStatus(stub, input.jobId)).toEqual({ status: "failed", error_code: "no_capacity" });
		expect(await jobStatus(zoneStub(emptyId), input.jobId)).toBeNull();
		expect(await indexedZone(input.jobId)).toBe(zoneId);
	});
});
