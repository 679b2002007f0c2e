import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
	agentCall,
	call,
	chatBody,
	DEV_KEY,
	enrollNode,
	errorOf,
	MODEL,
	pollBody,
	type TestNode,
} from "./edge-fixtures.js";

const ZONE = "eu-stockholm";

interface PolledJob {
	jobId: string;
	leaseId: string;
	model: string;
	request: { messages: { role: string; content: unknown }[]; max_tokens?: number; stop?: string[] };
}

/** Long-polls as the node until one job arrives. */
async function pollOneJob(node: TestNode): Promise<PolledJob> {
	for (;;) {
		const res = await agentCall(node, "/poll", pollBody(5_000));
		expect(res.status).toBe(200);
		const { jobs } = (await res.json()) as { jobs: PolledJob[] };
		if (jobs[0]) return jobs[0];
	}
}

/** Posts "Hello" + ", world" and a done event as the node. */
async function answer(node: TestNode, job: PolledJob) {
	const res = await agentCall(node, `/jobs/${job.jobId}/events`, {
		leaseId: job.leaseId,
		events: [
			{ seq: 0, type: "delta", text: "Hello" },
			{ seq: 1, type: "delta", text: ", world" },
			{ seq: 2, type: "done", finishReason: "stop", usage: { prompt_tokens: 7, completion_tokens: 3 } },
		],
	});
	expect(res.status).toBe(200);
	expect(await res.json()).toMatchObject({ cancelled: false });
}

/** The JSON payloads of an SSE body, `[DONE]` kept as a string. */
function sseEvents(text: string): unknown[] {
	return text
		.split("\n\n")
		.filter((block) => block.startsWith("data: "))
		.map((block) => block.slice("data: ".length))
		.map((data) => (data === "[DONE]" ? data : JSON.parse(data)));
}

describe("chat completions through a zone", () => {
	let node: TestNode;

	beforeAll(async () => {
		node = await enrollNode(ZONE);
		// The node's first poll makes it live; the alarm then publishes the zone to D1 for routers.
		expect((await agentCall(node, "/poll", pollBody())).status).toBe(200);
		expect(await runDurableObjectAlarm(env.GEOZONE.getByName(ZONE))).toBe(true);
		const status = await env.DB.prepare("SELECT live_nodes, models FROM zone_status WHERE zone_id = ?")
			.bind(ZONE)
			.first<{ live_nodes: number; models: string }>();
		expect(status?.live_nodes).toBeGreaterThan(0);
		expect(JSON.parse(status?.models ?? "[]")).toContain(MODEL);
	});

	it("lists the models live nodes serve", async () => {
		const res = await call("GET", "/v1/models", { bearer: DEV_KEY });
		expect(res.status).toBe(200);
		const body = (await res.json()) as { object: string; data: { id: string; object: string; owned_by: string }[] };
		expect(body.object).toBe("list");
		expect(body.data).toContainEqual(expect.objectContaining({ id: MODEL, object: "model", owned_by: "arcnet" }));
	});

	it("answers a non-streaming completion with the node's output and usage", async () => {
		const pending = call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			body: chatBody({ max_tokens: 32, stop: "\n" }),
		});
		const job = await pollOneJob(node);
		expect(job.model).toBe(MODEL);
		expect(job.request).toMatchObject({ endpoint: "chat/completions", max_tokens: 32, stop: "\n" });
		await answer(node, job);

		const res = await pending;
		expect(res.status).toBe(200);
		expect(res.headers.get("x-arcnet-zone")).toBe(ZONE);
		expect(res.headers.get("x-arcnet-node")).toBe(node.nodeId);
		expect(res.headers.get("x-arcnet-job-id")).toBe(job.jobId);
		const body = (await res.json()) as Record<string, unknown>;
		expect(body).toMatchObject({
			object: "chat.completion",
			model: MODEL,
			choices: [{ index: 0, message: { role: "assistant", content: "Hello, world" }, finish_reason: "stop" }],
			usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
		});
	});

	it("streams a completion as OpenAI chunks with usage on the final chunk and [DONE]", async () => {
		const pending = call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: chatBody({ stream: true }) });
		const job = await pollOneJob(node);
		await answer(node, job);

		const res = await pending;
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
		// The headers went out when the zone accepted the job: where it ran is on the final chunk.
		expect(res.headers.get("x-arcnet-zone")).toBeNull();
		expect(res.headers.get("x-arcnet-node")).toBeNull();
		const events = sseEvents(await res.text());
		expect(events.at(-1)).toBe("[DONE]");
		const chunks = events.slice(0, -1) as {
			object: string;
			choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[];
			usage?: unknown;
			arcnet?: { zone: string; node: string; job_id: string };
		}[];
		expect(chunks.at(-1)?.arcnet).toMatchObject({ zone: ZONE, node: node.nodeId, job_id: job.jobId });
		expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
		expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
		const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
		expect(text).toBe("Hello, world");
		const last = chunks.at(-1);
		expect(last?.choices[0]?.finish_reason).toBe("stop");
		expect(last?.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
	});

	it("sends usage in its own chunk with empty choices when include_usage is set", async () => {
		const pending = call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			body: chatBody({ stream: true, stream_options: { include_usage: true } }),
		});
		await answer(node, await pollOneJob(node));
		const events = sseEvents(await (await pending).text());
		expect(events.at(-1)).toBe("[DONE]");
		const usageChunk = events.at(-2) as { choices: unknown[]; usage: unknown };
		expect(usageChunk.choices).toEqual([]);
		expect(usageChunk.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
		const finish = events.at(-3) as { choices: { finish_reason: string }[]; usage: unknown };
		expect(finish.choices[0]?.finish_reason).toBe("stop");
		expect(finish.usage).toBeNull();
	});

	it("reports a failure after output started as an SSE error event, not a silent truncation", async () => {
		const pending = call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: chatBody({ stream: true }) });
		const job = await pollOneJob(node);
		const post = await agentCall(node, `/jobs/${job.jobId}/events`, {
			leaseId: job.leaseId,
			events: [
				{ seq: 0, type: "delta", text: "partial" },
				{ seq: 1, type: "error", code: "backend_error", message: "the GPU fell over", retryable: false },
			],
		});
		expect(post.status).toBe(200);
		const events = sseEvents(await (await pending).text());
		expect(events).not.toContain("[DONE]");
		expect(events.at(-1)).toEqual({
			error: { message: "the GPU fell over", type: "upstream_error", param: null, code: "backend_error" },
		});
	});

	it("cancels the job in its zone when the streaming client goes away", async () => {
		const pending = call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: chatBody({ stream: true }) });
		const job = await pollOneJob(node);
		const first = await agentCall(node, `/jobs/${job.jobId}/events`, {
			leaseId: job.leaseId,
			events: [{ seq: 0, type: "delta", text: "Once upon" }],
		});
		expect(first.status).toBe(200);
		const res = await pending;
		expect(res.status).toBe(200);
		await res.body?.cancel();
		// The node learns of the cancellation from its next post (or is told the job is gone).
		let cancelled = false;
		for (let seq = 1; seq < 50 && !cancelled; seq++) {
			const next = await agentCall(node, `/jobs/${job.jobId}/events`, {
				leaseId: job.leaseId,
				events: [{ seq, type: "delta", text: " a time" }],
			});
			cancelled = next.status !== 200 || ((await next.json()) as { cancelled: boolean }).cancelled;
		}
		expect(cancelled).toBe(true);
	});

	it("answers a failure before any output with a JSON error status", async () => {
		const pending = call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: chatBody() });
		const job = await pollOneJob(node);
		await agentCall(node, `/jobs/${job.jobId}/events`, {
			leaseId: job.leaseId,
			events: [{ seq: 0, type: "error", code: "context_length_exceeded", message: "too long", retryable: false }],
		});
		const res = await pending;
		expect(res.status).toBe(400);
		expect((await errorOf(res)).code).toBe("context_length_exceeded");
	});

	it("answers 404 model_not_found naming a model that no node has ever served", async () => {
		const res = await call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			body: chatBody({ model: "no-node-serves-this:1b" }),
		});
		expect(res.status).toBe(404);
		expect(res.headers.get("retry-after")).toBeNull();
		const error = await errorOf(res);
		expect(error.code).toBe("model_not_found");
		expect(error.message).toContain('"no-node-serves-this:1b"');
	});

	it("answers 503 when the region constraint rules out every serving zone", async () => {
		const res = await call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			body: chatBody({ arcnet: { regions: ["apac"] } }),
		});
		expect(res.status).toBe(503);
		expect(res.headers.get("retry-after")).not.toBeNull();
	});
});
