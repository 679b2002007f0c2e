import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { heartbeatInput, newNodeId, newZoneId, pollInput, readAll, submitInput, zoneStub } from "./geozone-fixtures.js";

async function setup() {
	const zoneId = newZoneId();
	const stub = zoneStub(zoneId);
	const nodeId = newNodeId();
	await stub.poll(pollInput(zoneId, nodeId));
	const result = await stub.submit(submitInput(zoneId));
	if (!result.accepted) throw new Error("expected the job to be accepted");
	const [job] = await stub.poll(pollInput(zoneId, nodeId));
	if (!job) throw new Error("expected a leased job");
	return { zoneId, stub, nodeId, job, stream: result.stream };
}

describe("GeozoneDO heartbeat and cancellation", () => {
	it("renews the leases the node holds and stores its telemetry", async () => {
		const { zoneId, stub, nodeId, job } = await setup();
		await runInDurableObject(stub, (_i, s) => s.storage.sql.exec("UPDATE jobs SET lease_expires_at = 1"));
		const result = await stub.heartbeat(heartbeatInput(zoneId, nodeId, [{ jobId: job.jobId, leaseId: job.leaseId }]));
		expect(result.cancel).toEqual([]);
		expect(result.leases[job.jobId]).toBeGreaterThan(Date.now());
		const telemetry = await runInDurableObject(stub, (_i, s) =>
			s.storage.sql.exec<{ telemetry: string }>("SELECT telemetry FROM nodes WHERE node_id = ?", nodeId).one(),
		);
		expect(JSON.parse(telemetry.telemetry)).toMatchObject({ tokensPerSecond: 42, hardware: "simulated" });
	});

	it("lists in cancel a job the node does not hold under that lease", async () => {
		const { zoneId, stub, job } = await setup();
		const stranger = newNodeId();
		const result = await stub.heartbeat(heartbeatInput(zoneId, stranger, [{ jobId: job.jobId, leaseId: job.leaseId }]));
		expect(result).toEqual({ leases: {}, cancel: [job.jobId] });
	});

	it("cancels a leased job: its stream ends with error cancelled and the node is told", async () => {
		const { zoneId, stub, nodeId, job, stream } = await setup();
		expect(await stub.cancel(zoneId, job.jobId)).toBe(true);
		const events = await readAll(stream);
		expect(events.at(-1)).toMatchObject({ type: "error", code: "cancelled" });
		const beat = await stub.heartbeat(heartbeatInput(zoneId, nodeId, [{ jobId: job.jobId, leaseId: job.leaseId }]));
		expect(beat.cancel).toEqual([job.jobId]);
		const post = await stub.postEvents({
			zoneId,
			nodeId,
			jobId: job.jobId,
			leaseId: job.leaseId,
			events: [{ seq: 0, type: "delta", text: "x" }],
		});
		expect(post).toMatchObject({ ok: true, cancelled: true });
		expect((await stub.summary(zoneId)).freeSlots).toBe(4);
		expect(await stub.cancel(zoneId, job.jobId)).toBe(false);
	});

	it("cancels the job when the client stops reading its stream, and the node learns it", async () => {
		const { zoneId, stub, nodeId, job, stream } = await setup();
		await stream.cancel();
		let status = "";
		// The reader's cancel reaches the object asynchronously; RPC round trips let it land.
		for (let i = 0; i < 50 && status !== "cancelled"; i++) {
			status = await runInDurableObject(stub, (_i, s) =>
				String(s.storage.sql.exec("SELECT status FROM jobs WHERE job_id = ?", job.jobId).one().status),
			);
			if (status !== "cancelled") await new Promise((r) => setTimeout(r, 10));
		}
		expect(status).toBe("cancelled");
		const post = await stub.postEvents({
			zoneId,
			nodeId,
			jobId: job.jobId,
			leaseId: job.leaseId,
			events: [{ seq: 0, type: "delta", text: "x" }],
		});
		expect(post).toMatchObject({ ok: true, cancelled: true });
	});
});
