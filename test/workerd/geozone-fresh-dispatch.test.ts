/**
 * A job submitted to an empty queue while a poll waits: the poll is sent the
 * job before the zone writes it (so a channel answer does not wait on the
 * commit), the row is then written under exactly that lease, and a reused
 * job id is refused before any node is sent it.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseGeozoneConfig } from "../../durable-objects/geozone/config.js";
import { takeFresh } from "../../durable-objects/geozone/jobs/dispatch.js";
import { Waiters } from "../../durable-objects/geozone/nodes/waiters.js";
import type { LeasedJob } from "../../src/protocol/agent-wire.js";
import { MODEL, newNodeId, newZoneId, pollInput, submitInput, zoneStub } from "./geozone-fixtures.js";

const leaseRow = (stub: ReturnType<typeof zoneStub>, jobId: string) =>
	runInDurableObject(stub, (_i, state) =>
		state.storage.sql
			.exec("SELECT status, attempts, lease_id, node_id, lease_expires_at, leased_at FROM jobs WHERE job_id = ?", jobId)
			.toArray(),
	);

describe("GeozoneDO: a job handed to a waiting poll before it is written", () => {
	it("writes the job under the lease its poll was sent, attempt 1", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		const waiting = stub.poll(pollInput(zoneId, nodeId, { waitMs: 10_000 }));
		const input = submitInput(zoneId);
		const result = await stub.submit(input);
		expect(result).toMatchObject({ accepted: true, assigned: { nodeId, attempt: 1 } });
		const [job] = await waiting;
		if (!job) throw new Error("the waiting poll got no job");
		expect(job).toMatchObject({ jobId: input.jobId, attempt: 1, request: JSON.parse(input.requestJson) });
		expect(await leaseRow(stub, input.jobId)).toEqual([
			{
				status: "leased",
				attempts: 1,
				lease_id: job.leaseId,
				node_id: nodeId,
				lease_expires_at: job.leaseExpiresAt,
				leased_at: expect.any(Number),
			},
		]);
	});

	it("refuses a reused job id before sending it to the waiting poll, which takes the next job", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		const first = submitInput(zoneId);
		const firstPoll = stub.poll(pollInput(zoneId, nodeId, { waitMs: 10_000 }));
		await stub.submit(first);
		const [held] = await firstPoll;
		const secondPoll = stub.poll(pollInput(zoneId, nodeId, { waitMs: 10_000 }));
		const reuse = await stub.submit(submitInput(zoneId, { jobId: first.jobId })).then(
			() => "accepted",
			(e: unknown) => String(e),
		);
		expect(reuse).toMatch(new RegExp(`jobId: ${first.jobId} was already submitted to this zone`));
		const next = submitInput(zoneId);
		await stub.submit(next);
		expect((await secondPoll).map((j) => j.jobId)).toEqual([next.jobId]);
		// The first job keeps its lease.
		expect(await leaseRow(stub, first.jobId)).toMatchObject([{ status: "leased", lease_id: held?.leaseId }]);
	});

	it("passes over a poll whose answer cannot be sent (its socket closed) to the next one", () => {
		const waiters = new Waiters(() => 1_000);
		const answered: Record<string, LeasedJob[]> = {};
		for (const [nodeId, sends] of [
			["node_closed", false],
			["node_open", true],
		] as const) {
			waiters.add(
				{
					nodeId,
					served: new Map([[MODEL, ["chat/completions"] as const]]),
					maxJobs: 1,
					resolve: (jobs) => {
						answered[nodeId] = jobs;
					},
					sendNow: () => sends,
				},
				10_000,
				() => undefined,
			);
		}
		const state = { waiters, now: () => 1_000, config: parseGeozoneConfig(env) };
		const job = submitInput("eu-test", { jobId: "job_aaaaaaaaaaaaaaaaaaaaaaaa" });
		const fresh = takeFresh(state, job, "chat/completions");
		expect(fresh?.lease).toMatchObject({ nodeId: "node_open", leasedAt: 1_000 });
		expect(fresh?.job).toMatchObject({ jobId: "job_aaaaaaaaaaaaaaaaaaaaaaaa", attempt: 1 });
		expect(answered.node_closed).toEqual([]);
		expect(waiters.size).toBe(0);
	});
});
