/**
 * An async job's partial output reaches nobody (its client reads the result
 * only once the job is done), so when its node dies mid-job the job starts
 * over on another node with the output of the first attempt discarded, where
 * a sync job, whose client already saw output, ends expired.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newJobId, newNodeId, newZoneId, pollInput, submitInput, zoneStub } from "./geozone-fixtures.js";

type Stub = ReturnType<typeof zoneStub>;

/** Moves every lease of the zone into the past, as if its node had stopped renewing long ago. */
async function leasesLapse(stub: Stub): Promise<void> {
	await runInDurableObject(stub, (_i, state) => {
		state.storage.sql.exec("UPDATE jobs SET lease_expires_at = ? WHERE lease_expires_at IS NOT NULL", Date.now() - 1);
	});
}

describe("GeozoneDO: async jobs whose node fails after output started", () => {
	it("re-queues the job with its partial output discarded, so the result holds only the second attempt", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const first = newNodeId();
		await stub.poll(pollInput(zoneId, first));
		const jobId = newJobId();
		expect(await stub.submitAsync(submitInput(zoneId, { jobId, kind: "async", stream: false }))).toMatchObject({
			accepted: true,
			replayed: false,
		});
		const [lease1] = await stub.poll(pollInput(zoneId, first));
		if (!lease1) throw new Error("expected the job leased");
		await stub.postEvents({
			zoneId,
			nodeId: first,
			jobId,
			leaseId: lease1.leaseId,
			events: [{ seq: 0, type: "delta", text: "half an ans" }],
		});

		await leasesLapse(stub);
		await runDurableObjectAlarm(stub);
		const view = await stub.getJob(zoneId, jobId, submitInput(zoneId).tenantId);
		expect(view).toMatchObject({ status: "queued" });

		const second = newNodeId();
		const [lease2] = await stub.poll(pollInput(zoneId, second));
		expect(lease2?.jobId).toBe(jobId);
		expect(lease2?.attempt).toBe(2);
		// The first node's late post is refused: its lease is gone.
		const late = await stub.postEvents({
			zoneId,
			nodeId: first,
			jobId,
			leaseId: lease1.leaseId,
			events: [{ seq: 1, type: "delta", text: "wer" }],
		});
		expect(late).toMatchObject({ ok: false, reason: "lease_not_held" });
		await stub.postEvents({
			zoneId,
			nodeId: second,
			jobId,
			leaseId: lease2?.leaseId ?? "",
			events: [
				{ seq: 0, type: "delta", text: "a whole answer" },
				{ seq: 1, type: "done", finishReason: "stop", usage: { prompt_tokens: 1, completion_tokens: 3 } },
			],
		});
		const done = await stub.getJob(zoneId, jobId, submitInput(zoneId).tenantId);
		expect(done).toMatchObject({ status: "succeeded", attempts: 2 });
		expect(JSON.stringify(done)).toContain("a whole answer");
		expect(JSON.stringify(done)).not.toContain("half an ans");
	});

	it("still ends a sync job expired when its node fails after output reached the client", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		await stub.poll(pollInput(zoneId, nodeId));
		const input = submitInput(zoneId);
		const submitted = await stub.submit(input);
		if (!submitted.accepted) throw new Error("expected the job accepted");
		const [lease] = await stub.poll(pollInput(zoneId, nodeId));
		await stub.postEvents({
			zoneId,
			nodeId,
			jobId: input.jobId,
			leaseId: lease?.leaseId ?? "",
			events: [{ seq: 0, type: "delta", text: "seen by the client" }],
		});
		await leasesLapse(stub);
		await runDurableObjectAlarm(stub);
		const status = await runInDurableObject(stub, (_i, state) =>
			String(state.storage.sql.exec("SELECT status FROM jobs WHERE job_id = ?", input.jobId).one().status),
		);
		expect(status).toBe("expired");
		await submitted.stream.cancel();
	});
});
