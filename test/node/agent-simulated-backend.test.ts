import { describe, expect, it } from "vitest";
import { createSimulatedBackend, simulatedTokens } from "../../node-agent/src/backends/simulated.js";
import { tokensFor } from "../../node-agent/src/backends/simulated-text.js";
import type { ChatPart } from "../../node-agent/src/backends/types.js";
import type { InferenceRequest } from "../../src/protocol/agent-wire.js";

async function run(request: InferenceRequest, model = "sim-a"): Promise<{ text: string; done: ChatPart }> {
	const backend = createSimulatedBackend({ models: ["sim-a", "sim-b"], tokensPerSecond: 0 });
	let text = "";
	let done: ChatPart | undefined;
	for await (const part of backend.chat(model, request, new AbortController().signal)) {
		if (part.type === "delta") text += part.text;
		else done = part;
	}
	if (!done) throw new Error("no done part");
	return { text, done };
}

const ask = (content: string, extra: Partial<InferenceRequest> = {}): InferenceRequest => ({
	messages: [
		{ role: "system", content: "be brief" },
		{ role: "user", content },
	],
	...extra,
});

describe("agent simulated backend", () => {
	it("answers the same request with the same tokens every time", async () => {
		const a = await run(ask("what is the grid mix?"));
		const b = await run(ask("what is the grid mix?"));
		expect(a.text.length).toBeGreaterThan(0);
		expect(b).toEqual(a);
	});

	it("answers different prompts differently", async () => {
		const a = await run(ask("first question"));
		const b = await run(ask("a completely different question"));
		expect(a.text).not.toBe(b.text);
	});

	it("cuts output at max_tokens and reports finish_reason length", async () => {
		const full = simulatedTokens("sim-a", ask("tell me more"));
		const { text, done } = await run(ask("tell me more", { max_tokens: 3 }));
		expect(text).toBe(full.slice(0, 3).join(""));
		expect(done).toEqual({ type: "done", finishReason: "length", usage: { prompt_tokens: 5, completion_tokens: 3 } });
	});

	it("finishes with stop and counts prompt words when not cut", async () => {
		const full = simulatedTokens("sim-a", ask("one two three"));
		const { done } = await run(ask("one two three", { max_tokens: 10_000 }));
		expect(done).toEqual({
			type: "done",
			finishReason: "stop",
			usage: { prompt_tokens: 5, completion_tokens: full.length },
		});
	});

	it("refuses a model it does not serve with model_not_found", async () => {
		await expect(run(ask("hi"), "other")).rejects.toMatchObject({ code: "model_not_found", retryable: false });
	});
});

describe("agent simulated backend: legacy completions and embeddings in OpenAI's shapes", () => {
	const backend = createSimulatedBackend({ models: ["sim-a"], tokensPerSecond: 0 });
	async function parts(request: InferenceRequest): Promise<ChatPart[]> {
		const out: ChatPart[] = [];
		for await (const part of backend.chat("sim-a", request, new AbortController().signal)) out.push(part);
		return out;
	}

	it("answers a completion as a text_completion, cut at max_tokens", async () => {
		const [done] = await parts({ endpoint: "completions", prompt: "once upon a time", max_tokens: 3 });
		const text = tokensFor("sim-a", "once upon a time").slice(0, 3).join("");
		expect(done).toEqual({
			type: "done",
			finishReason: "length",
			usage: { prompt_tokens: 4, completion_tokens: 3 },
			response: {
				id: "cmpl-simulated",
				object: "text_completion",
				created: expect.any(Number),
				model: "sim-a",
				choices: [{ text, index: 0, logprobs: null, finish_reason: "length" }],
				usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 },
			},
		});
	});

	it("streams a completion as text_completion chunks, the last with its finish and the usage chunk asked for", async () => {
		const all = tokensFor("sim-a", "hi");
		const out = await parts({
			endpoint: "completions",
			prompt: "hi",
			max_tokens: 100,
			stream: true,
			stream_options: { include_usage: true },
		});
		const chunks = out.flatMap((p) => (p.type === "delta" && p.chunk ? [p.chunk] : []));
		expect(chunks).toHaveLength(all.length + 1);
		expect(chunks[0]).toMatchObject({ object: "text_completion", choices: [{ text: all[0], finish_reason: null }] });
		expect(chunks.at(-2)).toMatchObject({ choices: [{ finish_reason: "stop" }] });
		expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: all.length } });
		expect(out.at(-1)).toMatchObject({ type: "done", finishReason: "stop" });
	});

	it("answers embeddings as a list of unit vectors, the same for the same input, in base64 when asked", async () => {
		const [done] = await parts({ endpoint: "embeddings", input: ["a b", "c"], dimensions: 8 });
		if (done?.type !== "done" || !done.response) throw new Error("expected a response");
		const data = done.response.data as { object: string; index: number; embedding: number[] }[];
		expect(data.map((d) => [d.object, d.index, d.embedding.length])).toEqual([
			["embedding", 0, 8],
			["embedding", 1, 8],
		]);
		expect(Math.hypot(...(data[0]?.embedding ?? []))).toBeCloseTo(1, 5);
		expect(data[0]?.embedding).not.toEqual(data[1]?.embedding);
		expect(done.response).toMatchObject({
			object: "list",
			model: "sim-a",
			usage: { prompt_tokens: 3, total_tokens: 3 },
		});
		const [again] = await parts({ endpoint: "embeddings", input: "a b", dimensions: 8, encoding_format: "base64" });
		if (again?.type !== "done" || !again.response) throw new Error("expected a response");
		const [first] = again.response.data as { embedding: string }[];
		const decoded = Array.from(new Float32Array(Uint8Array.from(Buffer.from(first?.embedding ?? "", "base64")).buffer));
		expect(decoded).toEqual(data[0]?.embedding);
	});

	it("refuses an embeddings request too large to answer, naming the field", async () => {
		await expect(parts({ endpoint: "embeddings", input: "x", dimensions: 65_536 * 4 })).rejects.toMatchObject({
			code: "invalid_request",
		});
		await expect(parts({ endpoint: "embeddings", input: Array(64).fill("x"), dimensions: 65_536 })).rejects.toThrow(
			/dimensions: 64 inputs of 65536 numbers/,
		);
	});
});
