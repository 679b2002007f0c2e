/**
 * A node that fails before the first token is invisible to the client: its
 * lapsed lease or retryable error puts the job back in the queue, another node
 * serves it, and the client gets that node's answer alone. A late result from
 * the old lease holder is refused and never reaches the client.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { TestNode } from "./edge-fixtures.js";
import { delta, done, lapseLeases, parseSse, postEvents, twoNodeZone } from "./failure-fixtures.js";
import { complete, pollJob } from "./routing-fixtures.js";

const ZONE = "eu-frankfurt";

describe("failure before the first token", () => {
	let first: TestNode;
	let second: TestNode;

	beforeAll(async () => {
		[first, second] = await twoNodeZone(ZONE);
	});

	it("re-queues a job whose node went silent, and the client gets another node's answer", async () => {
		const pending = complete();
		const lost = await pollJob(first);
		await lapseLeases(ZONE);
		const retried = await pollJob(second);
		expect(retried.jobId).toBe(lost.jobId);
		expect(retried.leaseId).not.toBe(lost.leaseId);
		expect((await postEvents(second, retried, [delta(0, "From"), delta(1, " B"), done(2)])).status).toBe(200);

		const res = await pending;
		expect(res.status).toBe(200);
		expect(res.headers.get("x-arcnet-node")).toBe(second.nodeId);
		const body = (await res.json()) as { choices: { message: { content: string } }[] };
		expect(body.choices[0]?.message.content).toBe("From B");
	});

	it("re-queues a job after a retryable error with no output, unnoticed by a streaming client", async () => {
		const pending = complete({ body: { stream: true } });
		const failed = await pollJob(first);
		const error = { seq: 0, type: "error", code: "backend_overloaded", message: "busy", retryable: true };
		expect((await postEvents(first, failed, [error])).status).toBe(200);
		const retried = await pollJob(second);
		expect(retried.jobId).toBe(failed.jobId);
		expect((await postEvents(second, retried, [delta(0, "Fine"), done(1)])).status).toBe(200);

		const res = await pending;
		expect(res.status).toBe(200);
		const { content, payloads } = parseSse(await res.text());
		expect(content).toBe("Fine");
		expect(payloads.at(-1)).toBe("[DONE]");
		expect(payloads.some((p) => typeof p === "object" && p !== null && "error" in p)).toBe(false);
	});

	it("refuses a late result from the old lease holder, which never reaches the client", async () => {
		const pending = complete({ body: { stream: true } });
		const old = await pollJob(first);
		await lapseLeases(ZONE);
		const current = await pollJob(second);
		const late = await postEvents(first, old, [delta(0, "STALE"), done(1)]);
		expect(late.status).toBe(409);
		expect(((await late.json()) as { error: { code: string } }).error.code).toBe("lease_not_held");
		expect((await postEvents(second, current, [delta(0, "Fresh"), done(1)])).status).toBe(200);

		const { content } = parseSse(await (await pending).text());
		expect(content).toBe("Fresh");
	});
});
