/**
 * The SSE body of a streamed chat completion, in OpenAI's chunk format: a
 * role chunk, content chunks, a finish chunk, usage (on the finish chunk, or
 * in its own `choices: []` chunk when `stream_options.include_usage`), then
 * `data: [DONE]`. The last chunk before `[DONE]` also carries ArcNet's
 * `arcnet` object (where the job ran, its energy and carbon estimate): an
 * extra field OpenAI SDKs ignore. A failure after output started is sent as an
 * `data: {"error":{...}}` event before closing, never as a silent truncation.
 */

import type { OutputEvent } from "../protocol/job-stream-reader.js";
import { chatCompletionChunk, type FinishReason, type Usage } from "../protocol/openai.js";
import { jobErrorBody } from "./job-errors.js";

type DoneEvent = Extract<OutputEvent, { type: "done" }>;

const encoder = new TextEncoder();

function sseData(payload: unknown): Uint8Array {
	return encoder.encode(`data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`);
}

/** Identity and options of the completion being streamed. */
export interface SseOptions {
	id: string;
	model: string;
	created: number;
	includeUsage: boolean;
	/** Called if the client goes away before the job finished. */
	onCancel: () => void;
	/** Called when the job's terminal event (done or error) has been read. */
	onSettled: () => void;
	/** Extra top-level fields of the last chunk (e.g. `arcnet`), from the done event; none when absent. */
	finalFields?: (done: DoneEvent) => Record<string, unknown>;
}

/** Turns a job's output events into the SSE byte stream of a chat completion. */
export function chatCompletionSse(
	events: AsyncGenerator<OutputEvent>,
	options: SseOptions,
): ReadableStream<Uint8Array> {
	const { id, model, created, includeUsage } = options;
	// With include_usage, OpenAI sends `usage: null` on every chunk but the last.
	const usageField = includeUsage ? null : undefined;
	const chunk = (args: {
		delta?: { role?: "assistant"; content?: string };
		finishReason?: FinishReason | null;
		usage?: Usage | null;
	}) => sseData(chatCompletionChunk({ id, model, created, usage: usageField, ...args }));
	let finished = false;

	return new ReadableStream<Uint8Array>({
		start(controller) {
			controller.enqueue(chunk({ delta: { role: "assistant", content: "" } }));
		},
		async pull(controller) {
			const next = await events.next();
			if (next.done) {
				finished = true;
				controller.close();
				return;
			}
			const event = next.value;
			if (event.type === "delta") {
				if (event.text.length > 0) controller.enqueue(chunk({ delta: { content: event.text } }));
				return;
			}
			finished = true;
			options.onSettled();
			if (event.type === "error") {
				controller.enqueue(sseData(jobErrorBody(event)));
				controller.close();
				return;
			}
			const usage = toUsage(event.usage);
			const extra = options.finalFields?.(event) ?? {};
			if (includeUsage) {
				controller.enqueue(chunk({ finishReason: event.finishReason }));
				controller.enqueue(
					sseData({ ...chatCompletionChunk({ id, model, created, usage, usageOnly: true }), ...extra }),
				);
			} else {
				controller.enqueue(
					sseData({
						...chatCompletionChunk({ id, model, created, finishReason: event.finishReason, usage }),
						...extra,
					}),
				);
			}
			controller.enqueue(sseData("[DONE]"));
			controller.close();
		},
		async cancel() {
			if (!finished) options.onCancel();
			await events.return(undefined);
		},
	});
}

/** OpenAI usage (with the total) from a job's token counts. */
export function toUsage(usage: { prompt_tokens: number; completion_tokens: number }): Usage {
	return {
		prompt_tokens: usage.prompt_tokens,
		completion_tokens: usage.completion_tokens,
		total_tokens: usage.prompt_tokens + usage.completion_tokens,
	};
}
