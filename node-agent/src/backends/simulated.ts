/**
 * A deterministic stand-in for an inference server, for development, tests and
 * benchmarks without a GPU. The same model and messages always produce the same
 * tokens (seeded from a hash of the last user message), at a steady rate, and
 * honour `max_tokens`, so end-to-end tests can assert exact output. Legacy
 * completions and embeddings are answered in OpenAI's shapes (simulated-endpoints.ts).
 */

import type { InferenceRequest } from "../../../src/protocol/agent-wire.js";
import type { ChatBody } from "../../../src/protocol/chat-request.js";
import { sleep } from "../backoff.js";
import { chatBodyOf, contentText, splitRequest } from "./request-body.js";
import { simulatedCompletion, simulatedEmbeddings } from "./simulated-endpoints.js";
import { countWords, tokensFor } from "./simulated-text.js";
import { type Backend, BackendError, type ChatPart } from "./types.js";

export interface SimulatedBackendOptions {
	/** Model names the simulator answers for. */
	models: string[];
	/** Output rate; 0 means as fast as possible. */
	tokensPerSecond: number;
}

type Message = ChatBody["messages"][number];

function textOf(message: Message): string {
	return contentText(message.content, " ");
}

/** The simulator's deterministic completion for a request, before max_tokens is applied. */
export function simulatedTokens(model: string, request: InferenceRequest): string[] {
	const lastUser = [...chatBodyOf(request, "simulated").messages].reverse().find((m) => m.role === "user");
	return tokensFor(model, lastUser ? textOf(lastUser) : "");
}

/** Creates the simulated backend. */
export function createSimulatedBackend(options: SimulatedBackendOptions): Backend {
	const delayMs = options.tokensPerSecond > 0 ? 1000 / options.tokensPerSecond : 0;
	return {
		kind: "simulated",
		async listModels() {
			return [...options.models];
		},
		async *chat(model: string, request: InferenceRequest, signal: AbortSignal): AsyncGenerator<ChatPart> {
			if (!options.models.includes(model)) {
				throw new BackendError(
					"model_not_found",
					`model ${model} not found; serving ${options.models.join(", ")}`,
					false,
				);
			}
			const { endpoint, body: raw } = splitRequest(request);
			if (endpoint === "completions") {
				yield* simulatedCompletion(model, raw, { delayMs, signal });
				return;
			}
			if (endpoint === "embeddings") {
				yield* simulatedEmbeddings(model, raw);
				return;
			}
			const body = chatBodyOf(request, "simulated");
			const all = simulatedTokens(model, request);
			const limit = body.max_tokens ?? body.max_completion_tokens ?? Number.POSITIVE_INFINITY;
			const tokens = all.slice(0, limit);
			const promptTokens = body.messages.reduce((n, m) => n + countWords(textOf(m)), 0);
			for (const text of tokens) {
				if (delayMs > 0) await sleep(delayMs, signal);
				if (signal.aborted) throw new BackendError("cancelled", "request aborted", false);
				yield { type: "delta", text };
			}
			yield {
				type: "done",
				finishReason: tokens.length < all.length ? "length" : "stop",
				usage: { prompt_tokens: promptTokens, completion_tokens: tokens.length },
			};
		},
	};
}
