/**
 * The write ends of the jobs' output streams, one NDJSON stream per job,
 * read by the Worker that submitted it. Writers are in memory: after an
 * eviction the job continues in SQLite but its stream is gone, until the
 * Worker re-attaches with `resume` (resume.ts) or the alarm cancels the job
 * for want of a reader (detached-jobs.ts).
 */
import { encodeJobStreamLine, type JobStreamEvent } from "../../src/protocol/job-stream.js";

/** Chunks buffered before the stream applies backpressure; writes never wait for the reader. */
const BUFFERED_EVENTS = 4096;

const encoder = new TextEncoder();

/** A job's open stream: its writer and the NDJSON lines sent in this turn, not yet written. */
interface OpenStream {
	writer: WritableStreamDefaultWriter<Uint8Array>;
	pending: string;
}

/**
 * Events sent in one turn (a post's delta and done, say) leave as one chunk:
 * every chunk is a message across the RPC stream to the Worker, so fewer
 * chunks cost both objects less. Order is kept; a close writes what is pending first.
 */
export class OutputStreams {
	readonly #writers = new Map<string, OpenStream>();

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
		const open: OpenStream = { writer, pending: "" };
		this.#writers.set(jobId, open);
		previous?.writer.abort(new Error(`job ${jobId}: replaced by a resumed stream`)).catch(() => undefined);
		writer.closed.then(
			() => undefined,
			() => {
				if (this.#writers.get(jobId) !== open) return;
				this.#writers.delete(jobId);
				onReaderGone(jobId);
			},
		);
		return readable;
	}

	/** Sends one event if the job's stream is open (written at the end of this turn); never blocks on a slow reader. */
	send(jobId: string, event: JobStreamEvent): void {
		const open = this.#writers.get(jobId);
		if (!open) return;
		if (open.pending === "") queueMicrotask(() => this.#flush(open));
		open.pending += encodeJobStreamLine(event);
	}

	/** Sends a last event (if given) and closes the job's stream. */
	close(jobId: string, last?: JobStreamEvent): void {
		const open = this.#writers.get(jobId);
		if (!open) return;
		this.#writers.delete(jobId);
		if (last) open.pending += encodeJobStreamLine(last);
		this.#flush(open);
		open.writer.close().catch(() => undefined);
	}

	#flush(open: OpenStream): void {
		if (open.pending === "") return;
		const chunk = encoder.encode(open.pending);
		open.pending = "";
		open.writer.write(chunk).catch(() => undefined);
	}

	/** Whether the job's stream is open in this instance. */
	has(jobId: string): boolean {
		return this.#writers.has(jobId);
	}
}
