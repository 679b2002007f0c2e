/**
 * The write ends of the jobs' output streams, one NDJSON stream per job,
 * read by the Worker that submitted it. Writers are in memory: after an
 * eviction the job continues in SQLite but its stream is gone, until the
 * Worker re-attaches with `resume` (resume.ts) or the alarm cancels the job
 * for want of a reader (detached-jobs.ts).
 */
import { encodeJobStreamEvent, type JobStreamEvent } from "../../src/protocol/job-stream.js";

/** Events buffered before the stream applies backpressure; writes never wait for the reader. */
const BUFFERED_EVENTS = 4096;

export class OutputStreams {
	readonly #writers = new Map<string, WritableStreamDefaultWriter<Uint8Array>>();

	/**
	 * Opens the stream of a job. `onReaderGone` runs once if the reader cancels
	 * before the stream is closed by {@link close} (the client went away). A
	 * stream the job already had is aborted (a resume replaces it), without
	 * running its `onReaderGone`.
	 */
	open(jobId: string, onReaderGone: (jobId: string) => void): ReadableStream<Uint8Array> {
		const previous = this.#writers.get(jobId);
		const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(
			undefined,
			new CountQueuingStrategy({ highWaterMark: BUFFERED_EVENTS }),
		);
		const writer = writable.getWriter();
		this.#writers.set(jobId, writer);
		previous?.abort(new Error(`job ${jobId}: replaced by a resumed stream`)).catch(() => undefined);
		writer.closed.then(
			() => undefined,
			() => {
				if (this.#writers.get(jobId) !== writer) return;
				this.#writers.delete(jobId);
				onReaderGone(jobId);
			},
		);
		return readable;
	}

	/** Sends one event if the job's stream is open; never blocks on a slow reader. */
	send(jobId: string, event: JobStreamEvent): void {
		const writer = this.#writers.get(jobId);
		if (!writer) return;
		writer.write(encodeJobStreamEvent(event)).catch(() => undefined);
	}

	/** Sends a last event (if given) and closes the job's stream. */
	close(jobId: string, last?: JobStreamEvent): void {
		const writer = this.#writers.get(jobId);
		if (!writer) return;
		this.#writers.delete(jobId);
		if (last) writer.write(encodeJobStreamEvent(last)).catch(() => undefined);
		writer.close().catch(() => undefined);
	}

	/** Whether the job's stream is open in this instance. */
	has(jobId: string): boolean {
		return this.#writers.has(jobId);
	}
}
