/**
 * The one interface every inference backend implements, so the job runner and
 * the work loop never care whether tokens come from vLLM, llama.cpp, Ollama or
 * the built-in simulator.
 */
import type { InferenceRequest, JobErrorCode, TokenUsage } from "../../../src/protocol/agent-wire.js";
import type { JsonObject } from "../../../src/protocol/json-value.js";

/** A finish reason as the backend gave it (`stop`, `length`, `tool_calls`, ...). */
export type FinishReason = string;

/**
 * One piece of a job's output: text with, from an OpenAI-shaped backend, the
 * chunk it came in; or the end with its usage and, for an unstreamed job,
 * the backend's whole response. Chunks and responses are relayed as they are (ADR 0016).
 */
export type ChatPart =
	| { type: "delta"; text: string; chunk?: JsonObject }
	/** `usage` is null when the backend reported none; the runner then counts deltas. */
	| { type: "done"; finishReason: FinishReason; usage: TokenUsage | null; response?: JsonObject };

export interface Backend {
	/** `openai` or `simulated`, for logs. */
	readonly kind: string;
	/** Models the backend can serve right now. */
	listModels(signal?: AbortSignal): Promise<string[]>;
	/**
	 * Runs one request of the endpoint it names; aborting `signal` stops the backend request. `headers` go
	 * with the request as they are (the job's `traceparent`). Throws BackendError.
	 */
	chat(
		model: string,
		request: InferenceRequest,
		signal: AbortSignal,
		headers?: Readonly<Record<string, string>>,
	): AsyncIterable<ChatPart>;
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
