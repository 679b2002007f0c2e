/**
 * The SSE body of a streamed job whose backend speaks OpenAI: each chunk the
 * backend sent is relayed as it came, with the edge's `id` and `created`
 * (ADR 0016). The last chunk is held back until the job's end so that
 * ArcNet's `arcnet` object rides on it; then `data: [DONE]`. A failure after
 * output started is sent as `data: {"error":{...}}` before closing.
 */

import type { OutputEvent } from "../protocol/job-stream-reader.js";
import type { JsonObject } from "../protocol/json-value.js";
import { jobErrorBody } from "./job-errors.js";
import { withEdgeIdentity } from "./relay-request.js";
import type { SseOptions } from "./sse.js";

const encoder = new TextEncoder();

function sseData(payload: unknown): Uint8Array {
	return encoder.encode(`data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`);
}

/** Relays a job's chunk events as SSE. Deltas without a chunk carry no OpenAI shape and are skipped. */
export function relayedChunkSse(
	events: AsyncGenerator<OutputEvent>,
	options: Omit<SseOptions, "model" | "includeUsage">,
): ReadableStream<Uint8Array> {
	const { id, created } = options;
	let held: JsonObject | null = null;
	let finished = false;
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			const next = await events.next();
			if (next.done) {
				finished = true;
				if (held) controller.enqueue(sseData(held));
				controller.close();
				return;
			}
			const event = next.value;
			if (event.type === "delta") {
				if (!event.chunk) return;
				if (held) controller.enqueue(sseData(held));
				held = withEdgeIdentity(event.chunk, id, created);
				return;
			}
			finished = true;
			options.onSettled();
			if (event.type === "error") {
				if (held) controller.enqueue(sseData(held));
				controller.enqueue(sseData(jobErrorBody(event)));
				controller.close();
				return;
			}
			const extra = options.finalFields?.(event) ?? {};
			if (held) controller.enqueue(sseData({ ...held, ...extra }));
			controller.enqueue(sseData("[DONE]"));
			controller.close();
		},
		async cancel() {
			if (!finished) options.onCancel();
			await events.return(undefined);
		},
	});
}
