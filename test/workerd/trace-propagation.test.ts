/**
 * A request's trace through the edge: the client's traceparent (or a new
 * trace) reaches the node in the job's lease with the edge's span as parent,
 * comes back in x-arcnet-trace-id on every answer (errors included), and is
 * written to D1's job row by the zone's history flush.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { agentCall, call, chatBody, DEV_KEY, enrollNode, pollBody, type TestNode } from "./edge-fixtures.js";

const ZONE = "eu-stockholm";
const TRACE = "0af7651916cd43dd8448eb211c80319c";
const CLIENT_SPAN = "b7ad6b7169203331";
const HEX_TRACE = /^[0-9a-f]{32}$/;

interface PolledJob {
	jobId: string;
	leaseId: string;
	traceparent?: string;
}

async function pollOneJob(node: TestNode): Promise<PolledJob> {
	for (;;) {
		const res = await agentCall(node, "/poll", pollBody(5_000));
		const { jobs } = (await res.json()) as { jobs: PolledJob[] };
		if (jobs[0]) return jobs[0];
	}
}

async function answer(node: TestNode, job: PolledJob): Promise<void> {
	const res = await agentCall(node, `/jobs/${job.jobId}/events`, {
		leaseId: job.leaseId,
		events: [
			{ seq: 0, type: "delta", text: "ok" },
			{ seq: 1, type: "done", finishReason: "stop", usage: { prompt_tokens: 1, completion_tokens: 1 } },
		],
	});
	expect(res.status).toBe(200);
}

/** Sends a completion with `traceparent`, answers it as the node, and returns the answer and the lease. */
async function traced(node: TestNode, traceparent?: string): Promise<{ res: Response; job: PolledJob }> {
	const pending = call("POST", "/v1/chat/completions", {
		bearer: DEV_KEY,
		body: chatBody(),
		...(traceparent ? { headers: { traceparent } } : {}),
	});
	const job = await pollOneJob(node);
	await answer(node, job);
	const res = await pending;
	expect(res.status).toBe(200);
	await res.text();
	return { res, job };
}

describe("trace propagation", () => {
	let node: TestNode;

	beforeAll(async () => {
		node = await enrollNode(ZONE);
		expect((await agentCall(node, "/poll", pollBody())).status).toBe(200);
		expect(await runDurableObjectAlarm(env.GEOZONE.getByName(ZONE))).toBe(true);
	});

	it("continues the client's trace to the node and into D1", async () => {
		const { res, job } = await traced(node, `00-${TRACE}-${CLIENT_SPAN}-01`);
		expect(res.headers.get("x-arcnet-trace-id")).toBe(TRACE);
		// The node's parent is the edge's span, not the client's.
		expect(job.traceparent).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
		expect(job.traceparent).not.toContain(CLIENT_SPAN);

		await runDurableObjectAlarm(env.GEOZONE.getByName(ZONE));
		const row = await env.DB.prepare("SELECT trace_id FROM jobs WHERE id = ?")
			.bind(job.jobId)
			.first<{ trace_id: string | null }>();
		expect(row?.trace_id).toBe(TRACE);
	});

	it("starts a new trace for a request without traceparent, and for a malformed one", async () => {
		for (const header of [undefined, "00-not-a-trace", `00-${"0".repeat(32)}-${CLIENT_SPAN}-01`]) {
			const { res, job } = await traced(node, header);
			const id = res.headers.get("x-arcnet-trace-id") ?? "";
			expect(id).toMatch(HEX_TRACE);
			expect(id).not.toBe(TRACE);
			expect(job.traceparent?.slice(3, 35)).toBe(id);
		}
	});

	it("puts x-arcnet-trace-id on error answers too", async () => {
		const headers = { traceparent: `00-${TRACE}-${CLIENT_SPAN}-00` };
		const answers = [
			await call("POST", "/v1/chat/completions", { bearer: "wrong-key", body: chatBody(), headers }),
			await call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: { model: 1 }, headers }),
			await call("GET", "/v1/no-such-route", { bearer: DEV_KEY, headers }),
			await call("GET", "/healthz", { headers }),
		];
		expect(answers.map((r) => r.status)).toEqual([401, 400, 404, 200]);
		for (const res of answers) expect(res.headers.get("x-arcnet-trace-id")).toBe(TRACE);
	});
});
