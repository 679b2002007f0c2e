import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newJobId, newNodeId, newZoneId, pollInput, submitInput, zoneStub } from "./geozone-fixtures.js";

describe("async job webhooks in the zone", () => {
	it("records a failed delivery attempt from the alarm and schedules a retry, never exposing the secret", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		await stub.poll(pollInput(zoneId, nodeId));
		const jobId = newJobId();
		const secret = "webhook-secret-0123456789";
		const submitted = await stub.submitAsync(
			submitInput(zoneId, { jobId, kind: "async", stream: false, webhook: { url: "https://hooks.invalid/x", secret } }),
		);
		expect(submitted).toMatchObject({ accepted: true, replayed: false });
		expect(await stub.submitAsync(submitInput(zoneId, { jobId, kind: "async", stream: false }))).toMatchObject({
			accepted: true,
			replayed: true,
		});
		const [leased] = await stub.poll(pollInput(zoneId, nodeId));
		expect(leased?.jobId).toBe(jobId);
		await stub.postEvents({
			zoneId,
			nodeId,
			jobId,
			leaseId: leased?.leaseId ?? "",
			events: [
				{ seq: 0, type: "delta", text: "hi" },
				{ seq: 1, type: "done", finishReason: "stop", usage: { prompt_tokens: 1, completion_tokens: 1 } },
			],
		});
		await runDurableObjectAlarm(stub);
		const row = await runInDurableObject(stub, (_i, s) =>
			s.storage.sql
				.exec<{ webhook_status: string; webhook_attempts: number; webhook_next_at: number | null }>(
					"SELECT webhook_status, webhook_attempts, webhook_next_at FROM jobs WHERE job_id = ?",
					jobId,
				)
				.one(),
		);
		expect(row.webhook_status).toBe("pending");
		expect(row.webhook_attempts).toBe(1);
		expect(row.webhook_next_at).not.toBeNull();
		const view = await stub.getJob(zoneId, jobId, "tenant_dev");
		expect(view?.status).toBe("succeeded");
		expect(view?.output).toBe("hi");
		expect(JSON.stringify(view)).not.toContain(secret);
	});

	it("fails a stored webhook to a private address at once, without posting it", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		await stub.poll(pollInput(zoneId, nodeId));
		const jobId = newJobId();
		// Through RPC, past the Worker's submit-time check, as a row written before the address rules would be.
		const webhook = { url: "https://[::ffff:a9fe:a9fe]/latest/meta-data" };
		await stub.submitAsync(submitInput(zoneId, { jobId, kind: "async", stream: false, webhook }));
		const [leased] = await stub.poll(pollInput(zoneId, nodeId));
		await stub.postEvents({
			zoneId,
			nodeId,
			jobId,
			leaseId: leased?.leaseId ?? "",
			events: [{ seq: 0, type: "done", finishReason: "stop", usage: { prompt_tokens: 1, completion_tokens: 0 } }],
		});
		await runDurableObjectAlarm(stub);
		const row = await runInDurableObject(stub, (_i, s) =>
			s.storage.sql
				.exec<{ webhook_status: string; webhook_attempts: number; webhook_next_at: number | null }>(
					"SELECT webhook_status, webhook_attempts, webhook_next_at FROM jobs WHERE job_id = ?",
					jobId,
				)
				.one(),
		);
		expect(row).toEqual({ webhook_status: "failed", webhook_attempts: 1, webhook_next_at: null });
	});
});
