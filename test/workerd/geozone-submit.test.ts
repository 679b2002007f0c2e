import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SubmitJobInput } from "../../durable-objects/geozone/contract.js";
import { insertJob } from "../../durable-objects/geozone/jobs/job-queue.js";
import { MODEL, newNodeId, newZoneId, pollInput, submitInput, zoneStub } from "./geozone-fixtures.js";

const countJobs = (stub: ReturnType<typeof zoneStub>) =>
	runInDurableObject(
		stub,
		(_i, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM jobs").one().n,
	);

describe("GeozoneDO submit", () => {
	it("refuses with no_live_node, writing nothing, when no node has polled", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const result = await stub.submit(submitInput(zoneId));
		expect(result).toMatchObject({ accepted: false, reason: "no_live_node" });
		expect(await countJobs(stub)).toBe(0);
	});

	it("refuses a model no live node serves", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.poll(pollInput(zoneId, newNodeId()));
		const result = await stub.submit(submitInput(zoneId, { model: "other-model" }));
		expect(result).toMatchObject({ accepted: false, reason: "no_live_node" });
	});

	it("accepts a job once a node serving the model has polled, and queues it", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.poll(pollInput(zoneId, newNodeId()));
		const input = submitInput(zoneId);
		const result = await stub.submit(input);
		expect(result.accepted).toBe(true);
		const status = await runInDurableObject(stub, (_i, state) =>
			state.storage.sql.exec<{ status: string }>("SELECT status FROM jobs WHERE job_id = ?", input.jobId).one(),
		);
		expect(status.status).toBe("queued");
		expect((await stub.summary(zoneId)).queueDepth).toBe(1);
	});

	it("refuses a second submit of a job id it holds, naming the field, and keeps the first job", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.poll(pollInput(zoneId, newNodeId(), { waitMs: 0 }));
		const input = submitInput(zoneId);
		expect((await stub.submit(input)).accepted).toBe(true);
		const again = await stub.submit({ ...input, model: MODEL }).then(
			() => null,
			(error: unknown) => String(error),
		);
		expect(again).toContain(`jobId: ${input.jobId} was already submitted to this zone`);
		expect(await countJobs(stub)).toBe(1);
	});

	it("refuses with queue_full at MAX_QUEUE_DEPTH queued jobs", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.poll(pollInput(zoneId, newNodeId()));
		const depth = Number((await import("cloudflare:workers")).env.MAX_QUEUE_DEPTH);
		await runInDurableObject(stub, (_i, state) => {
			for (let i = 0; i < depth; i++) insertJob(state.storage.sql, submitInput(zoneId));
		});
		const result = await stub.submit(submitInput(zoneId));
		expect(result).toMatchObject({ accepted: false, reason: "queue_full" });
		if (!result.accepted) expect(result.retryAfterMs).toBeGreaterThan(0);
		expect(await countJobs(stub)).toBe(depth);
	});

	it("rejects an invalid input naming the field and the value", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const error = await stub.poll({ ...pollInput(zoneId, newNodeId()), maxJobs: 0 }).then(
			() => null,
			(e: unknown) => e,
		);
		expect(String(error)).toMatch(/poll: maxJobs: .*>=1, got 0 \(number\)/);
	});

	it("refuses request and routing texts that are not the JSON of an object, naming the field and writing nothing", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.poll(pollInput(zoneId, newNodeId()));
		const refusal = (input: SubmitJobInput) =>
			stub.submit(input).then(
				() => "accepted",
				(e: unknown) => String(e),
			);
		expect(await refusal(submitInput(zoneId, { requestJson: '{"messages": [' }))).toMatch(
			/submit: requestJson: expected the JSON text of an object.*, got "\{\\"messages\\": \[" \(string\)/,
		);
		expect(await refusal(submitInput(zoneId, { requestJson: "[1,2]" }))).toMatch(
			/submit: requestJson: expected the JSON/,
		);
		expect(await refusal(submitInput(zoneId, { routingJson: "null" }))).toMatch(
			/submit: routingJson: expected the JSON/,
		);
		expect(await countJobs(stub)).toBe(0);
	});
});
