/**
 * A deterministic stand-in for an inference server, for development, tests and
 * benchmarks without a GPU. The same model and messages always produce the same
 * tokens (seeded from a hash of the last user message), at a steady rate, and
 * honour `max_tokens`, so end-to-end tests can assert exact output.
 */

import { createHash } from "node:crypto";
import type { InferenceRequest } from "../../../src/protocol/agent-wire.js";
import type { ChatBody } from "../../../src/protocol/chat-request.js";
import { sleep } from "../backoff.js";
import { chatBodyOf, contentText } from "./request-body.js";
import { type Backend, BackendError, type ChatPart } from "./types.js";

export interface SimulatedBackendOptions {
	/** Model names the simulator answers for. */
	models: string[];
	/** Output rate; 0 means as fast as possible. */
	tokensPerSecond: number;
}

const WORDS = (
	"the grid edge node zone carbon latency model token stream route wind solar hydro power " +
	"fast clean green light data answer query shard cache queue lease river mountain north south"
).split(" ");

type Message = ChatBody["messages"][number];

function textOf(message: Message): string {
	return contentText(message.content, " ");
}

function countWords(text: string): number {
	return text.split(/\s+/).filter((w) => w.length > 0).length;
}

/** The simulator's deterministic completion for a request, before max_tokens is applied. */
export function simulatedTokens(model: string, request: InferenceRequest): string[] {
	const lastUser = [...chatBodyOf(request, "simulated").messages].reverse().find((m) => m.role === "user");
	const digest = createHash("sha256")
		.update(`${model}\n${lastUser ? textOf(lastUser) : ""}`)
		.digest();
	const length = 8 + (digest.readUInt8(0) % 41);
	const tokens: string[] = [];
	for (let i = 0; i < length; i++) {
		const byte = digest.readUInt8((i + 1) % digest.length) ^ (i * 31);
		const word = WORDS[byte % WORDS.length] ?? "token";
		tokens.push(i === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : ` ${word}`);
	}
	tokens.push(".");
	return tokens;
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
