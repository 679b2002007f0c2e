/**
 * Reads a job's NDJSON stream from its GeozoneDO. The Worker waits for the
 * first output before answering so that response headers can name the node
 * (from the latest `assigned` event) and a failure before any output can still
 * be a plain JSON error with a proper status. When the stream breaks (the
 * object restarted: the read rejects, or the stream ends with no done/error),
 * the reader re-attaches with the zone's `resume`, telling it how many deltas
 * it already relayed, so the client sees every delta exactly once and in
 * order. If that fails too, the client gets an error event: never a silent cut.
 */
import { decodeJobStream, type JobStreamEvent } from "./job-stream.js";
import { type LogFields, log } from "./log-line.js";

/** A terminal error event of a job stream. */
export type JobErrorEvent = Extract<JobStreamEvent, { type: "error" }>;

/**
 * The error event used when the zone's stream ended before the job finished
 * and could not be resumed; `detail` says why, when known.
 */
export function interruptedStreamError(detail?: string): JobErrorEvent {
	const why = detail ? ` (${detail})` : "";
	return {
		type: "error",
		code: "backend_error",
		message: `The job's output stream ended before the job finished and could not be resumed${why}.`,
	};
}

/** Output events: what follows the `assigned` events. */
export type OutputEvent = Exclude<JobStreamEvent, { type: "assigned" }>;

/** The job's first output event, the node it came from, and the rest of the events. */
export interface StartedJob {
	nodeId: string | null;
	attempt: number;
	first: OutputEvent;
	rest: AsyncGenerator<JobStreamEvent>;
}

/** Opens a fresh stream of the job after its first `skipDeltas` deltas; null when the zone no longer knows it. */
export type ResumeStream = (skipDeltas: number) => Promise<ReadableStream<Uint8Array> | null>;

/** How a broken job stream is re-attached. */
export interface ResumeOptions {
	resume: ResumeStream;
	/** Re-attachments tried per job, in all. Default 3. */
	maxResumes?: number;
	/** Wait before re-attachment `n` (1-based), in ms. Default 100 × 3^(n-1): 100, 300, 900. */
	backoffMs?: (n: number) => number;
	/** The job's ids for the log lines about its stream (job, zone, trace). */
	logFields?: LogFields;
}

/** Re-attachments tried per job by default. */
export const DEFAULT_MAX_RESUMES = 3;

const defaultBackoff = (n: number): number => 100 * 3 ** (n - 1);

function isTerminal(event: JobStreamEvent): boolean {
	return event.type === "done" || event.type === "error";
}

/**
 * The job's events, ending after done/error. A stream that breaks is resumed
 * (when `options` is given) after the deltas already yielded; when it cannot
 * be, the last event is a synthetic error.
 */
export async function* jobEvents(
	stream: ReadableStream<Uint8Array>,
	options?: ResumeOptions,
): AsyncGenerator<JobStreamEvent> {
	const maxResumes = options?.maxResumes ?? DEFAULT_MAX_RESUMES;
	const backoff = options?.backoffMs ?? defaultBackoff;
	let current = stream;
	let relayed = 0;
	let resumes = 0;
	for (;;) {
		let breakCause: unknown = "the stream ended before the job finished";
		try {
			for await (const event of decodeJobStream(current)) {
				if (event.type === "delta") relayed++;
				yield event;
				if (isTerminal(event)) return;
			}
		} catch (error) {
			// A restarted object's stream rejects ("disconnected prematurely"); a torn last line fails to parse.
			breakCause = error;
		}
		let next: ReadableStream<Uint8Array> | null = null;
		while (options && next === null && resumes < maxResumes) {
			resumes++;
			await new Promise((resolve) => setTimeout(resolve, backoff(resumes)));
			try {
				next = await options.resume(relayed);
				if (next === null) {
					yield interruptedStreamError("the zone no longer knows the job");
					return;
				}
			} catch (error) {
				log("warn", "job_stream_resume_failed", { ...options.logFields, attempt: resumes, of: maxResumes, error });
			}
		}
		if (next === null) {
			log("error", "job_stream_lost", { ...options?.logFields, error: breakCause });
			yield interruptedStreamError();
			return;
		}
		current = next;
	}
}

/** A lease of the job: the node that holds it and which attempt it is. */
export interface Assignment {
	nodeId: string;
	attempt: number;
}

/**
 * Waits for the first output event (delta, done or error); resumes a broken stream when `options` is given.
 * `assigned` is the lease the zone made while accepting the job (its stream does not repeat it).
 */
export async function awaitFirstOutput(
	stream: ReadableStream<Uint8Array>,
	options?: ResumeOptions,
	assigned?: Assignment | null,
): Promise<StartedJob> {
	const events = jobEvents(stream, options);
	let nodeId: string | null = assigned?.nodeId ?? null;
	let attempt = assigned?.attempt ?? 0;
	for (;;) {
		const next = await events.next();
		if (next.done) return { nodeId, attempt, first: interruptedStreamError(), rest: events };
		const event = next.value;
		if (event.type === "assigned") {
			nodeId = event.nodeId;
			attempt = event.attempt;
			continue;
		}
		return { nodeId, attempt, first: event, rest: events };
	}
}

/** The output events after `first`, skipping re-assignments, ending after done/error (or a synthetic error). */
export async function* outputEvents(job: StartedJob): AsyncGenerator<OutputEvent> {
	yield job.first;
	if (job.first.type !== "delta") return;
	for (;;) {
		const next = await job.rest.next();
		if (next.done) {
			yield interruptedStreamError();
			return;
		}
		if (next.value.type === "assigned") continue;
		yield next.value;
		if (next.value.type !== "delta") return;
	}
}
