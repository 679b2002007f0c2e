/**
 * The one interface every inference backend implements, so the job runner and
 * the work loop never care whether tokens come from vLLM, llama.cpp, Ollama or
 * the built-in simulator.
 */
import type { InferenceRequest, JobErrorCode, TokenUsage } from "../../../src/protocol/agent-wire.js";

export type FinishReason = "stop" | "length" | "content_filter";

/** One piece of a streamed completion: output text, or the end with its usage. */
export type ChatPart =
	| { type: "delta"; text: string }
	/** `usage` is null when the backend reported none; the runner then counts deltas. */
	| { type: "done"; finishReason: FinishReason; usage: TokenUsage | null };

export interface Backend {
	/** `openai` or `simulated`, for logs. */
	readonly kind: string;
	/** Models the backend can serve right now. */
	listModels(signal?: AbortSignal): Promise<string[]>;
	/** Streams one chat completion; aborting `signal` stops the backend request. Throws BackendError. */
	chat(model: string, request: InferenceRequest, signal: AbortSignal): AsyncIterable<ChatPart>;
}

/** A backend failure already mapped to the protocol's job error codes. */
export class BackendError extends Error {
	override readonly name = "BackendError";
	constructor(
		readonly code: JobErrorCode,
		message: string,
		/** True when another attempt (here or on another node) may succeed. */
		readonly retryable: boolean,
		options?: { cause?: unknown },
	) {
		super(message, options);
	}
}
