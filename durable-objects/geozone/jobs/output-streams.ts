/**
 * The write ends of the jobs' output streams, one NDJSON stream per job,
 * read by the Worker that submitted it. Writers are in memory: after an
 * eviction the job continues in SQLite but its stream is gone, until the
 * Worker re-attaches with `resume` (resume.ts) or the alarm cancels the job
 * for want of a reader (detached-jobs.ts).
 */
import { encodeJobStreamLine, type JobStreamEvent } from "../../../src/protocol/job-stream.js";

/** Chunks buffered for a slow reader; writes never wait for it. */
const BUFFERED_CHUNKS = 4096;

const encoder = new TextEncoder();

/** A job's open stream: its controller and the NDJSON lines sent in this turn, not yet enqueued. */
interface OpenStream {
	controller: ReadableStreamDefaultController<Uint8Array>;
	pending: string;
}

/**
 * Events sent in one turn (a post's delta and done, say) leave as one chunk:
 * every chunk is a message across the RPC stream to the Worker, so fewer
 * chunks cost both objects less. Order is kept; a close writes what is pending first.
 * Each stream is a plain ReadableStream fed through its controller: a
 * TransformStream (a writable side, a transform and a reader more) cost a
 * large share of a submit.
 */
export class OutputStreams {
	readonly #streams = new Map<string, OpenStream>();

	/**
	 * Opens the stream of a job. `onReaderGone` runs once if the reader cancels
	 * before the stream is closed by {@link close} (the client went away). A
	 * stream the job already had is errored (a resume replaces it), without
	 * running its `onReaderGone`.
	 */
	open(jobId: string, onReaderGone: (jobId: string) => void): ReadableStream<Uint8Array> {
		const previous = this.#streams.get(jobId);
		let open: OpenStream | undefined;
		const readable = new ReadableStream<Uint8Array>(
			{
				start: (controller) => {
					open = { controller, pending: "" };
				},
				cancel: () => {
					if (open === undefined || this.#streams.get(jobId) !== open) return;
					this.#streams.delete(jobId);
					onReaderGone(jobId);
				},
			},
			new CountQueuingStrategy({ highWaterMark: BUFFERED_CHUNKS }),
		);
		if (open === undefined) throw new Error("ReadableStream did not start synchronously");
		this.#streams.set(jobId, open);
		if (previous) {
			try {
				previous.controller.error(new Error(`job ${jobId}: replaced by a resumed stream`));
			} catch {
				// Already closed or cancelled by its reader.
			}
		}
		return readable;
	}

	/** Sends one event if the job's stream is open (enqueued at the end of this turn); never blocks on a slow reader. */
	send(jobId: string, event: JobStreamEvent): void {
		const open = this.#streams.get(jobId);
		if (!open) return;
		if (open.pending === "") queueMicrotask(() => this.#flush(open));
		open.pending += encodeJobStreamLine(event);
	}

	/** Sends a last event (if given) and closes the job's stream. */
	close(jobId: string, last?: JobStreamEvent): void {
		const open = this.#streams.get(jobId);
		if (!open) return;
		this.#streams.delete(jobId);
		if (last) open.pending += encodeJobStreamLine(last);
		this.#flush(open);
		try {
			open.controller.close();
		} catch {
			// The reader cancelled it meanwhile.
		}
	}

	/** Whether the job's stream is open in this instance. */
	has(jobId: string): boolean {
		return this.#streams.has(jobId);
	}

	#flush(open: OpenStream): void {
		if (open.pending === "") return;
		const chunk = encoder.encode(open.pending);
		open.pending = "";
		try {
			open.controller.enqueue(chunk);
		} catch {
			// The stream was cancelled or errored: nobody reads it any more.
		}
	}
}
