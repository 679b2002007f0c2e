/**
 * The body of a streamed completion from the moment its job is accepted:
 * the 200 SSE headers go out at once, and an SSE comment (`: keep-alive`)
 * every SSE_KEEPALIVE_MS while the job waits for its first output. Local
 * workerd never fires request.signal for a client that leaves before the
 * response, but a write to a closed connection fails and cancels this
 * stream, so the job is cancelled like a mid-stream disconnect (ADR 0026).
 * A failure before any output is an OpenAI error event, then the end.
 */
import { ApiError } from "../http/errors.js";
import { log } from "../protocol/log-line.js";
import type { OpenAIErrorBody } from "../protocol/openai.js";

/** Default, smallest and largest SSE_KEEPALIVE_MS (ms). */
export const SSE_KEEPALIVE_SPEC = { fallback: 5_000, min: 100, max: 60_000 } as const;

const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(": keep-alive\n\n");

/**
 * The deployment's SSE_KEEPALIVE_MS; missing or empty takes the default, a bad value throws naming the var.
 * @example sseKeepAliveMs({ SSE_KEEPALIVE_MS: "2000" }) // 2000
 */
export function sseKeepAliveMs(vars: { SSE_KEEPALIVE_MS?: unknown }): number {
	const raw = vars.SSE_KEEPALIVE_MS;
	if (raw === undefined || raw === "") return SSE_KEEPALIVE_SPEC.fallback;
	const value = typeof raw === "string" && /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
	const { min, max } = SSE_KEEPALIVE_SPEC;
	if (Number.isInteger(value) && value >= min && value <= max) return value;
	throw new Error(`SSE_KEEPALIVE_MS: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
}

/** One `data:` event holding an OpenAI error body (and, where known, the job's `arcnet` object), then the end. */
export function sseErrorStream(body: OpenAIErrorBody & { arcnet?: object }): ReadableStream<Uint8Array> {
	return new ReadableStream<Uint8Array>({
		start(controller) {
			controller.enqueue(encoder.encode(`data: ${JSON.stringify(body)}\n\n`));
			controller.close();
		},
	});
}

/** The error body of something thrown after the headers went out: an ApiError keeps its body, the rest is a 500's. */
export function thrownErrorBody(error: unknown): OpenAIErrorBody {
	if (error instanceof ApiError) return error.toBody();
	log("error", "stream_failed_after_headers", { error });
	return new ApiError(500, "The edge failed to handle the request; try again.", {
		type: "server_error",
		code: "internal_error",
	}).toBody();
}

/** How the early body behaves. */
export interface EarlySseOptions {
	/** Ms between keep-alive comments while no output came. */
	keepAliveMs: number;
	/** Called once when the client goes away (a write failed) before the body ended. */
	onLeft: () => void;
}

/**
 * Streams keep-alive comments until `body` resolves, then relays it; a rejection becomes an error event.
 * `body` is the stream that starts with the job's first output (or its error).
 */
export function earlySse(
	body: Promise<ReadableStream<Uint8Array>>,
	options: EarlySseOptions,
): ReadableStream<Uint8Array> {
	let timer: ReturnType<typeof setInterval> | undefined;
	let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
	let ended = false;
	const stopKeepAlive = () => {
		if (timer !== undefined) clearInterval(timer);
		timer = undefined;
	};
	const opened = body.then(
		(stream) => stream,
		(error: unknown) => sseErrorStream(thrownErrorBody(error)),
	);
	return new ReadableStream<Uint8Array>({
		start(controller) {
			timer = setInterval(() => {
				if (!ended) controller.enqueue(KEEP_ALIVE);
			}, options.keepAliveMs);
		},
		async pull(controller) {
			if (!reader) {
				const stream = await opened;
				stopKeepAlive();
				if (ended) {
					await stream.cancel();
					return;
				}
				reader = stream.getReader();
			}
			const next = await reader.read();
			if (ended) return; // the client left while this read waited
			if (next.done) {
				ended = true;
				controller.close();
			} else controller.enqueue(next.value);
		},
		async cancel(reason) {
			stopKeepAlive();
			if (ended) return;
			ended = true;
			options.onLeft();
			await reader?.cancel(reason);
		},
	});
}
