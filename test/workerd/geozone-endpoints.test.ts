/**
 * A zone leases a job only to a node that serves the job's endpoint for its
 * model (the node's last telemetry's model details): of two nodes serving
 * one model, an embeddings job goes to the one that serves embeddings. With
 * no live node serving the endpoint the zone refuses the job, or hands a
 * queued one back, instead of letting it wait.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ModelDetail } from "../../src/protocol/agent-wire.js";
import {
	heartbeatInput,
	MODEL,
	newNodeId,
	newZoneId,
	pollInput,
	readAll,
	submitInput,
	zoneStub,
} from "./geozone-fixtures.js";

type Stub = ReturnType<typeof zoneStub>;

const NODE_LIVE_MS = Number(env.NODE_LIVE_MS);
const HANDBACK_MS = Number(env.ZONE_HANDBACK_MS);

const embeddingsJob = (zoneId: string) =>
	submitInput(zoneId, { requestJson: JSON.stringify({ endpoint: "embeddings", input: "hello" }), stream: false });

/** A zone with a node serving MODEL on chat only, and one serving it on embeddings only. */
async function zoneOfTwo() {
	const zoneId = newZoneId();
	const stub = zoneStub(zoneId);
	const chatNode = newNodeId();
	const embedNode = newNodeId();
	const report = (nodeId: string, details: ModelDetail[]) =>
		stub.heartbeat({ ...heartbeatInput(zoneId, nodeId, []), modelDetails: details });
	await report(chatNode, [{ model: MODEL, endpoints: ["chat/completions"] }]);
	await report(embedNode, [{ model: MODEL, endpoints: ["embeddings"] }]);
	return { zoneId, stub, chatNode, embedNode };
}

const jobRow = (stub: Stub, jobId: string) =>
	runInDurableObject(
		stub,
		(_i, s) =>
			s.storage.sql
				.exec<{ status: string; node_id: string | null; endpoint: string; error_code: string | null }>(
					"SELECT status, node_id, endpoint, error_code FROM jobs WHERE job_id = ?",
					jobId,
				)
				.toArray()[0],
	);

describe("GeozoneDO leases a job only to a node serving its endpoint", () => {
	it("passes over the older open poll of a node that does not serve embeddings", async () => {
		const { zoneId, stub, chatNode, embedNode } = await zoneOfTwo();
		// The chat node's poll is open first: before, the oldest poll for the model took any job of it.
		const chatPoll = stub.poll(pollInput(zoneId, chatNode, { waitMs: 2_000 }));
		await runInDurableObject(stub, () => undefined);
		const job = embeddingsJob(zoneId);
		const result = await stub.submit(job);
		expect(result).toMatchObject({ accepted: true, assigned: null });
		expect(await jobRow(stub, job.jobId)).toMatchObject({ status: "queued", endpoint: "embeddings" });

		const leased = await stub.poll(pollInput(zoneId, embedNode));
		expect(leased.map((j) => [j.jobId, j.request.endpoint])).toEqual([[job.jobId, "embeddings"]]);
		expect(await jobRow(stub, job.jobId)).toMatchObject({ status: "leased", node_id: embedNode });

		// A chat job still goes to the chat node's open poll.
		const chat = submitInput(zoneId);
		expect(await stub.submit(chat)).toMatchObject({ accepted: true, assigned: { nodeId: chatNode } });
		expect((await chatPoll).map((j) => j.jobId)).toEqual([chat.jobId]);
	});

	it("hands a fresh embeddings job straight to the open poll that serves it, not the older one", async () => {
		const { zoneId, stub, chatNode, embedNode } = await zoneOfTwo();
		const chatPoll = stub.poll(pollInput(zoneId, chatNode, { waitMs: 300 }));
		const embedPoll = stub.poll(pollInput(zoneId, embedNode, { waitMs: 2_000 }));
		await runInDurableObject(stub, () => undefined);
		const job = embeddingsJob(zoneId);
		expect(await stub.submit(job)).toMatchObject({ accepted: true, assigned: { nodeId: embedNode } });
		expect((await embedPoll).map((j) => j.jobId)).toEqual([job.jobId]);
		expect(await chatPoll).toEqual([]);
	});

	it("lets a poll opened before the node's first telemetry take the jobs that telemetry says it serves", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		// Agents poll before they first report: until then the node counts as serving chat only.
		const poll = stub.poll(pollInput(zoneId, nodeId, { waitMs: 2_000 }));
		await runInDurableObject(stub, () => undefined);
		await stub.heartbeat({
			...heartbeatInput(zoneId, nodeId, []),
			modelDetails: [{ model: MODEL, endpoints: ["embeddings"] }],
		});
		const job = embeddingsJob(zoneId);
		expect(await stub.submit(job)).toMatchObject({ accepted: true, assigned: { nodeId } });
		expect((await poll).map((j) => j.jobId)).toEqual([job.jobId]);
	});

	it("refuses an embeddings job, writing nothing, when no live node serves embeddings for the model", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const chatNode = newNodeId();
		await stub.heartbeat({
			...heartbeatInput(zoneId, chatNode, []),
			modelDetails: [{ model: MODEL, endpoints: ["chat/completions", "completions"] }],
		});
		const job = embeddingsJob(zoneId);
		expect(await stub.submit(job)).toMatchObject({ accepted: false, reason: "no_live_node" });
		expect(await stub.submitAsync({ ...job, kind: "async" })).toMatchObject({
			accepted: false,
			reason: "no_live_node",
		});
		expect(await jobRow(stub, job.jobId)).toBeUndefined();
		// The same zone takes chat and legacy completions for the model.
		expect(await stub.submit(submitInput(zoneId))).toMatchObject({ accepted: true });
	});

	it("hands a queued embeddings job back once its only node is gone, though a chat node stays live", async () => {
		const { zoneId, stub, chatNode, embedNode } = await zoneOfTwo();
		const job = embeddingsJob(zoneId);
		const result = await stub.submit(job);
		if (!result.accepted) throw new Error("expected the job to be accepted");
		await runInDurableObject(stub, (_i, s) => {
			s.storage.sql.exec(
				"UPDATE nodes SET last_seen_at = ? WHERE node_id = ?",
				Date.now() - NODE_LIVE_MS - HANDBACK_MS - 1_000,
				embedNode,
			);
		});
		const chatPoll = stub.poll(pollInput(zoneId, chatNode, { waitMs: 300 }));
		const report = await runInDurableObject(stub, (instance) => instance.runAlarm());
		expect(report.handedBack).toEqual([job.jobId]);
		expect(await jobRow(stub, job.jobId)).toMatchObject({ status: "failed", error_code: "no_capacity" });
		const events = await readAll(result.stream);
		expect(events.at(-1)).toMatchObject({ type: "error", code: "no_capacity" });
		expect(JSON.stringify(events.at(-1))).toContain("/v1/embeddings");
		expect(await chatPoll).toEqual([]);
	});
});
