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
import { advertise } from "./routing-fixtures.js";

const ZONE = "eu-stockholm";

interface PolledJob {
	jobId: string;
	leaseId: string;
	request: Record<string, unknown>;
}

async function pollOneJob(node: TestNode): Promise<PolledJob> {
	for (;;) {
		const res = await agentCall(node, "/poll", pollBody(5_000));
		expect(res.status).toBe(200);
		const { jobs } = (await res.json()) as { jobs: PolledJob[] };
		if (jobs[0]) return jobs[0];
	}
}

async function post(node: TestNode, job: PolledJob, events: unknown[]) {
	const res = await agentCall(node, `/jobs/${job.jobId}/events`, { leaseId: job.leaseId, events });
	expect(res.status).toBe(200);
}

function sseEvents(text: string): unknown[] {
	return text
		.split("\n\n")
		.filter((block) => block.startsWith("data: "))
		.map((block) => block.slice("data: ".length))
		.map((data) => (data === "[DONE]" ? data : JSON.parse(data)));
}

const usage = { prompt_tokens: 9, completion_tokens: 4 };
const tool = {
	type: "function",
	function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
};

/** A backend's stream: a role chunk, two tool calls in argument fragments, a tool_calls finish. */
function toolCallChunks(): Record<string, unknown>[] {
	const base = {
		id: "chatcmpl-backend",
		object: "chat.completion.chunk",
		created: 1,
		model: MODEL,
		system_fingerprint: "fp_1",
	};
	const choice = (delta: unknown, finish: string | null) => ({
		...base,
		choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
	});
	return [
		choice({ role: "assistant", content: null, reasoning_content: "thinking" }, null),
		choice(
			{ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }] },
			null,
		),
		choice({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, null),
		choice(
			{
				tool_calls: [
					{ index: 1, id: "call_b", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
				],
			},
			null,
		),
		choice({ tool_calls: [{ index: 0, function: { arguments: '"Bergen"}' } }] }, null),
		choice({}, "tool_calls"),
	];
}

describe("OpenAI bodies relayed through a zone", () => {
	let node: TestNode;

	beforeAll(async () => {
		node = await enrollNode(ZONE);
		expect((await agentCall(node, "/poll", pollBody())).status).toBe(200);
		// The node serves every relayed endpoint; routing follows what a node advertises.
		await advertise(node, [MODEL], [{ model: MODEL, endpoints: ["chat/completions", "completions", "embeddings"] }]);
	});

	it("hands the node every field the client sent, backend extras included, less model and arcnet", async () => {
		const fields = {
			tools: [tool],
			tool_choice: { type: "function", function: { name: "get_weather" } },
			parallel_tool_calls: true,
			response_format: { type: "json_schema", json_schema: { name: "w", schema: { type: "object" }, strict: true } },
			logprobs: true,
			top_logprobs: 3,
			presence_penalty: 0.5,
			frequency_penalty: -0.5,
			logit_bias: { "50256": -100 },
			n: 2,
			user: "u-1",
			metadata: { trace: "t" },
			reasoning_effort: "low",
			top_k: 40,
			min_p: 0.05,
			repetition_penalty: 1.1,
			guided_json: { type: "object" },
		};
		const messages = [
			{ role: "developer", content: "be brief" },
			{ role: "user", content: [{ type: "text", text: "weather?" }] },
			{
				role: "assistant",
				content: null,
				tool_calls: [{ id: "call_0", type: "function", function: { name: "get_weather", arguments: "{}" } }],
			},
			{ role: "tool", tool_call_id: "call_0", content: "sunny" },
		];
		const pending = call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			body: { ...chatBody(fields), messages, arcnet: { policy: "latency" } },
		});
		const job = await pollOneJob(node);
		expect(job.request).toEqual({ endpoint: "chat/completions", messages, ...fields });
		await post(node, job, [
			{
				seq: 0,
				type: "done",
				finishReason: "stop",
				usage,
				response: { id: "x", object: "chat.completion", created: 1, model: MODEL, choices: [] },
			},
		]);
		expect((await pending).status).toBe(200);
	});

	it.each([
		[{ top_logprobs: 50 }, "top_logprobs"],
		[{ n: 9 }, "n"],
		[{ response_format: { type: "yaml" } }, "response_format.type"],
		[{ tool_choice: "sometimes" }, "tool_choice"],
		[{ tools: [{ type: "function", function: { name: "bad name!" } }] }, "tools[0].function.name"],
		[
			{ tools: [{ type: "function", function: { name: "big", parameters: { blob: "x".repeat(70_000) } } }] },
			"tools[0].function.parameters",
		],
	])("refuses %j with a 400 that names %s", async (fields, param) => {
		const res = await call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: chatBody(fields) });
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.param).toBe(param);
		expect(error.message).toContain(param);
	});

	it("refuses a tool message without its tool_call_id, naming it", async () => {
		const messages = [{ role: "tool", content: "sunny" }];
		const res = await call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: chatBody({ messages }) });
		expect(res.status).toBe(400);
		expect((await errorOf(res)).param).toBe("messages[0].tool_call_id");
	});

	it("relays streamed tool-call chunks as the backend sent them, with the edge's id and arcnet on the last", async () => {
		const pending = call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			body: chatBody({ stream: true, tools: [tool] }),
		});
		const job = await pollOneJob(node);
		const chunks = toolCallChunks();
		await post(node, job, [
			...chunks.map((chunk, seq) => ({ seq, type: "delta", text: "", chunk })),
			{ seq: chunks.length, type: "done", finishReason: "tool_calls", usage },
		]);
		const res = await pending;
		expect(res.status).toBe(200);
		const events = sseEvents(await res.text());
		expect(events.at(-1)).toBe("[DONE]");
		const relayed = events.slice(0, -1) as Record<string, unknown>[];
		expect(relayed).toHaveLength(chunks.length);
		const id = relayed[0]?.id;
		expect(id).toMatch(/^chatcmpl-/);
		expect(id).not.toBe("chatcmpl-backend");
		relayed.forEach((chunk, i) => {
			const { arcnet, ...rest } = chunk;
			expect(rest).toEqual({ ...chunks[i], id, created: rest.created });
			expect(arcnet === undefined).toBe(i < chunks.length - 1);
		});
	});

	it("relays an unstreamed response whole: tool calls, logprobs, refusal, usage details", async () => {
		const pending = call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			body: chatBody({ tools: [tool], logprobs: true }),
		});
		const job = await pollOneJob(node);
		const response = {
			id: "chatcmpl-backend",
			object: "chat.completion",
			created: 1,
			model: MODEL,
			system_fingerprint: "fp_1",
			choices: [
				{
					index: 0,
					message: {
						role: "assistant",
						content: null,
						refusal: null,
						tool_calls: [
							{ id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
						],
					},
					logprobs: { content: [{ token: "x", logprob: -0.1, bytes: [120], top_logprobs: [] }] },
					finish_reason: "tool_calls",
				},
			],
			usage: {
				...usage,
				total_tokens: 13,
				prompt_tokens_details: { cached_tokens: 2 },
				completion_tokens_details: { reasoning_tokens: 1 },
			},
		};
		await post(node, job, [{ seq: 0, type: "done", finishReason: "tool_calls", usage, response }]);
		const res = await pending;
		expect(res.status).toBe(200);
		const { arcnet, id, created, ...rest } = (await res.json()) as Record<string, unknown>;
		expect(id).toMatch(/^chatcmpl-/);
		expect(id).not.toBe(response.id);
		expect(typeof created).toBe("number");
		expect(arcnet).toMatchObject({ zone: ZONE });
		const { id: _id, created: _created, ...expected } = response;
		expect(rest).toEqual(expected);
	});

	it("routes embeddings and legacy completions to the node with their endpoint and relays the answer", async () => {
		for (const [path, endpoint, body] of [
			["/v1/embeddings", "embeddings", { input: ["a", "b"], encoding_format: "float" }],
			["/v1/completions", "completions", { prompt: "Once", max_tokens: 5, echo: false }],
		] as const) {
			const pending = call("POST", path, { bearer: DEV_KEY, body: { model: MODEL, ...body } });
			const job = await pollOneJob(node);
			expect(job.request).toEqual({ endpoint, ...body });
			const response =
				endpoint === "embeddings"
					? {
							object: "list",
							data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2] }],
							model: MODEL,
							usage: { prompt_tokens: 2, total_tokens: 2 },
						}
					: {
							id: "cmpl-b",
							object: "text_completion",
							created: 1,
							model: MODEL,
							choices: [{ index: 0, text: " upon", logprobs: null, finish_reason: "length" }],
						};
			await post(node, job, [
				{ seq: 0, type: "done", finishReason: "stop", usage: { prompt_tokens: 2, completion_tokens: 0 }, response },
			]);
			const res = await pending;
			expect(res.status).toBe(200);
			const { arcnet, ...rest } = (await res.json()) as Record<string, unknown>;
			expect(arcnet).toMatchObject({ zone: ZONE });
			expect(rest).toEqual(endpoint === "embeddings" ? response : { ...response, id: rest.id, created: rest.created });
		}
	});
	it("runs the same bodies as async jobs and answers the same result shapes", async () => {
		const accepted = await call("POST", "/v1/jobs", {
			bearer: DEV_KEY,
			body: { endpoint: "embeddings", request: { model: MODEL, input: "hello", dimensions: 2 } },
		});
		expect(accepted.status).toBe(202);
		const { id } = (await accepted.json()) as { id: string };
		const job = await pollOneJob(node);
		expect(job.request).toEqual({ endpoint: "embeddings", input: "hello", dimensions: 2 });
		const response = {
			object: "list",
			data: [{ object: "embedding", index: 0, embedding: [0.5, 0.25] }],
			model: MODEL,
			usage: { prompt_tokens: 1, total_tokens: 1 },
		};
		await post(node, job, [
			{ seq: 0, type: "done", finishReason: "stop", usage: { prompt_tokens: 1, completion_tokens: 0 }, response },
		]);
		const got = await call("GET", `/v1/jobs/${id}`, { bearer: DEV_KEY });
		const { result } = (await got.json()) as { result: Record<string, unknown> };
		const { arcnet, ...rest } = result;
		expect(rest).toEqual(response);
		expect(arcnet).toMatchObject({ zone: ZONE });

		const refused = await call("POST", "/v1/jobs", {
			bearer: DEV_KEY,
			body: { endpoint: "completions", request: { model: MODEL, prompt: "x", stream: true } },
		});
		expect(refused.status).toBe(400);
		expect((await errorOf(refused)).param).toBe("request.stream");
	});
});
