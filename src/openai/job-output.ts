/**
 * Reads a job's NDJSON stream from its GeozoneDO up to the first output. The
 * Worker waits for that point before answering so that response headers can
 * name the node (from the latest `assigned` event) and a failure before any
 * output can still be a plain JSON error with a proper status.
 */
import { decodeJobStream, type JobStreamEvent } from "../protocol/job-stream.js";
import { interruptedStreamError } from "./job-errors.js";

/** Output events: what follows the `assigned` events. */
export type OutputEvent = Exclude<JobStreamEvent, { type: "assigned" }>;

/** The job's first output event, the node it came from, and the rest of the events. */
export interface StartedJob {
	nodeId: string | null;
	attempt: number;
	first: OutputEvent;
	rest: AsyncGenerator<JobStreamEvent>;
}

/** Waits for the first output event (delta, done or error); a stream that ends first yields an error event. */
export async function awaitFirstOutput(stream: ReadableStream<Uint8Array>): Promise<StartedJob> {
	const events = decodeJobStream(stream);
	let nodeId: string | null = null;
	let attempt = 0;
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
