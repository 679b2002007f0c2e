import { describe, expect, it } from "vitest";
import { createSimulatedBackend, simulatedTokens } from "../../node-agent/src/backends/simulated.js";
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
