/**
 * The Ollama native backend translates OpenAI's chat body both ways: tools,
 * tool calls, `format` from `response_format`, options and reasoning in the
 * request; content, thinking, tool calls, finish reason and usage back into
 * OpenAI's chunks and response. What Ollama cannot honour is refused by name.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOllamaBackend, ollamaChatBody } from "../../node-agent/src/backends/ollama.js";
import { BackendError, type ChatPart } from "../../node-agent/src/backends/types.js";

const weatherTool = {
	type: "function",
	function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
};

let server: Server;
let url = "";
const bodies: Record<string, unknown>[] = [];

beforeAll(async () => {
	server = createServer((req, res) => {
		let raw = "";
		req.on("data", (c) => {
			raw += c;
		});
		req.on("end", () => {
			bodies.push(JSON.parse(raw || "{}"));
			res.writeHead(200, { "content-type": "application/x-ndjson" });
			const line = (o: unknown) => res.write(`${JSON.stringify(o)}\n`);
			line({ model: "m", message: { role: "assistant", content: "", thinking: "Checking." }, done: false });
			line({
				model: "m",
				message: {
					role: "assistant",
					content: "",
					tool_calls: [{ function: { name: "get_weather", arguments: { city: "Oslo" } } }],
				},
				done: false,
			});
			line({
				model: "m",
				message: { role: "assistant", content: "" },
				done: true,
				done_reason: "stop",
				prompt_eval_count: 11,
				eval_count: 6,
			});
			res.end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function collect(parts: AsyncIterable<ChatPart>): Promise<ChatPart[]> {
	const out: ChatPart[] = [];
	for await (const part of parts) out.push(part);
	return out;
}

describe("Ollama translation", () => {
	it("sends tools, assistant tool calls as objects, format, think and every option", () => {
		const body = ollamaChatBody("m", {
			messages: [
				{
					role: "user",
					content: [
						{ type: "text", text: "hi" },
						{ type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
					],
				},
				{
					role: "assistant",
					content: null,
					tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }],
				},
				{ role: "tool", tool_call_id: "c1", content: "sunny" },
			],
			tools: [weatherTool],
			response_format: { type: "json_schema", json_schema: { name: "w", schema: { type: "object" } } },
			reasoning_effort: "high",
			max_completion_tokens: 9,
			presence_penalty: 0.5,
			repetition_penalty: 1.1,
			top_k: 20,
			min_p: 0.05,
		});
		expect(body).toEqual({
			model: "m",
			stream: true,
			messages: [
				{ role: "user", content: "hi", images: ["AAAA"] },
				{
					role: "assistant",
					content: "",
					tool_calls: [{ function: { name: "get_weather", arguments: { city: "Oslo" } } }],
				},
				{ role: "tool", content: "sunny" },
			],
			tools: [weatherTool],
			format: { type: "object" },
			think: "high",
			options: { num_predict: 9, presence_penalty: 0.5, repeat_penalty: 1.1, top_k: 20, min_p: 0.05 },
		});
		expect(
			ollamaChatBody("m", { messages: [{ role: "user", content: "x" }], response_format: { type: "json_object" } }),
		).toMatchObject({
			format: "json",
		});
	});

	it.each([
		[{ n: 2 }, "n"],
		[{ logprobs: true }, "logprobs"],
		[{ tool_choice: "required", tools: [weatherTool] }, "tool_choice"],
		[{ logit_bias: { "1": 5 } }, "logit_bias"],
	])("refuses %j naming %s", (fields, field) => {
		const call = () => ollamaChatBody("m", { messages: [{ role: "user", content: "x" }], ...fields });
		expect(call).toThrow(BackendError);
		expect(call).toThrow(new RegExp(`^${field}: `));
	});

	it("streams OpenAI chunks: role, reasoning_content, an indexed tool call, a tool_calls finish and usage", async () => {
		const backend = createOllamaBackend({ url });
		const parts = await collect(
			backend.chat(
				"m",
				{ messages: [{ role: "user", content: "w" }], stream: true, stream_options: { include_usage: true } },
				new AbortController().signal,
			),
		);
		const chunks = parts.flatMap((p) => (p.type === "delta" && p.chunk ? [p.chunk] : []));
		const choices = chunks.map((c) => (c.choices as { delta?: unknown; finish_reason: unknown }[])[0]);
		expect(choices.map((c) => c?.delta)).toEqual([
			{ role: "assistant", content: "", reasoning_content: "Checking." },
			{
				tool_calls: [
					{ index: 0, id: "call_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
				],
			},
			{},
			undefined,
		]);
		expect(choices[2]?.finish_reason).toBe("tool_calls");
		expect(chunks[3]).toMatchObject({
			object: "chat.completion.chunk",
			choices: [],
			usage: { prompt_tokens: 11, completion_tokens: 6, total_tokens: 17 },
		});
		expect(parts.at(-1)).toEqual({
			type: "done",
			finishReason: "tool_calls",
			usage: { prompt_tokens: 11, completion_tokens: 6 },
		});
	});

	it("answers an unstreamed job with one chat.completion holding the tool call and reasoning", async () => {
		const backend = createOllamaBackend({ url });
		const parts = await collect(
			backend.chat("m", { messages: [{ role: "user", content: "w" }] }, new AbortController().signal),
		);
		const done = parts.at(-1);
		expect(done?.type).toBe("done");
		expect(done?.type === "done" ? done.response : null).toMatchObject({
			object: "chat.completion",
			model: "m",
			choices: [
				{
					index: 0,
					message: {
						role: "assistant",
						content: null,
						reasoning_content: "Checking.",
						tool_calls: [
							{ id: "call_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
						],
					},
					logprobs: null,
					finish_reason: "tool_calls",
				},
			],
			usage: { prompt_tokens: 11, completion_tokens: 6, total_tokens: 17 },
		});
		expect(parts.some((p) => p.type === "delta" && p.chunk)).toBe(false);
	});
});
