/**
 * Adaptive batching of one job's events (ADR 0004). At most one post is in
 * flight; events produced meanwhile wait and go out together in the next post,
 * with consecutive deltas merged into one. When nothing is in flight, the
 * first event waits one macrotask (setImmediate) so that events already parsed
 * from the same socket read join it: a fast backend's deltas and its `done`
 * then leave in one post instead of two round trips, while a slow backend's
 * first token is delayed by microseconds only. Under load posts grow instead
 * of multiplying. A post that fails
 * in transit is retried with the same sequence numbers: the edge skips seqs it
 * has already applied, so output is never duplicated.
 */
import type { JobEvent, JobEventsResponse } from "../../src/protocol/agent-wire.js";
import { Backoff, sleep } from "./backoff.js";
import { EdgeHttpError } from "./edge-client.js";
import { errorMessage, type Logger } from "./logger.js";

/** An event before it is numbered. */
export type PendingEvent = JobEvent extends infer E ? (E extends { seq: number } ? Omit<E, "seq"> : never) : never;

/** Why the batcher stopped sending: the client cancelled, the lease is gone, the edge refused, or the node was revoked. */
export type StopReason = "cancelled" | "lease_lost" | "rejected" | "revoked";

export interface EventBatcherOptions {
	/** Posts one batch; resolves with the edge's answer or throws EdgeHttpError / EdgeNetworkError. */
	send(events: JobEvent[]): Promise<JobEventsResponse>;
	/** Called once when sending stops for good before all events were delivered. */
	onStop(reason: StopReason): void;
	/** Called with each new lease expiry the edge grants. */
	onLeaseRenewed?(leaseExpiresAt: number): void;
	logger: Logger;
	backoff?: Backoff;
	/** Stops retries (shutdown). */
	signal?: AbortSignal;
}

/** Resolves after the I/O callbacks of the current event-loop turn have run (and their microtasks). */
const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Largest merged delta, well under the wire limit of 1 000 000 characters. */
const MAX_DELTA_CHARS = 256_000;
/** Largest number of events per post (the wire allows 1000). */
const MAX_EVENTS = 500;
/**
 * Most delta characters per post: 256k characters stay under the edge's 2 MiB
 * cap on an events post even as 3-byte UTF-8 with JSON escaping to spare.
 */
const MAX_BATCH_CHARS = 256_000;

export class EventBatcher {
	private pending: PendingEvent[] = [];
	private nextSeq = 0;
	private pumping: Promise<void> | null = null;
	private stopped: StopReason | null = null;
	private readonly backoff: Backoff;
	private outage: PostOutage | null = null;

	constructor(private readonly options: EventBatcherOptions) {
		this.backoff = options.backoff ?? new Backoff({ baseMs: 100, capMs: 5000 });
	}

	/** Why sending stopped, or null while it goes on. */
	get stopReason(): StopReason | null {
		return this.stopped;
	}

	/** Queues an event; when no post is in flight it leaves after the current macrotask, with whatever joined it. */
	push(event: PendingEvent): void {
		if (this.stopped) return;
		if (event.type === "delta" && event.chunk === undefined && event.text.length > MAX_DELTA_CHARS) {
			for (const text of splitText(event.text, MAX_DELTA_CHARS)) this.pending.push({ type: "delta", text });
		} else {
			this.pending.push(event);
		}
		this.kick();
	}

	/** Resolves when every queued event is delivered, or sending stopped. */
	async drain(): Promise<void> {
		while (this.pumping) await this.pumping;
	}

	private kick(): void {
		if (this.pumping) return;
		this.pumping = nextMacrotask()
			.then(() => this.pump())
			.finally(() => {
				this.pumping = null;
				// Events pushed while the pump was finishing would otherwise wait for the next push.
				if (this.pending.length > 0 && !this.stopped) this.kick();
			});
	}

	private async pump(): Promise<void> {
		while (this.pending.length > 0 && !this.stopped) {
			await this.sendWithRetry(this.takeBatch());
		}
	}

	/** Numbers the waiting events, merging runs of deltas. */
	private takeBatch(): JobEvent[] {
		const batch: JobEvent[] = [];
		let chars = 0;
		while (this.pending.length > 0 && batch.length < MAX_EVENTS) {
			const event = this.pending[0] as PendingEvent;
			const size = eventChars(event);
			// A post stays under the byte cap; a single larger delta still goes alone.
			if (batch.length > 0 && chars + size > MAX_BATCH_CHARS) break;
			chars += size;
			const last = batch[batch.length - 1];
			// A backend's chunks are relayed one by one (ADR 0016); only plain text merges.
			if (
				event.type === "delta" &&
				event.chunk === undefined &&
				last?.type === "delta" &&
				last.chunk === undefined &&
				last.text.length + event.text.length <= MAX_DELTA_CHARS
			) {
				last.text += event.text;
			} else {
				batch.push({ ...event, seq: this.nextSeq++ } as JobEvent);
			}
			this.pending.shift();
		}
		return batch;
	}

	private stop(reason: StopReason): void {
		if (this.stopped) return;
		this.stopped = reason;
		this.pending = [];
		this.options.onStop(reason);
	}

	private async sendWithRetry(batch: JobEvent[]): Promise<void> {
		const log = this.options.logger;
		for (;;) {
			try {
				const answer = await this.options.send(batch);
				this.backoff.reset();
				this.outage?.end();
				this.outage = null;
				this.options.onLeaseRenewed?.(answer.leaseExpiresAt);
				if (answer.cancelled) this.stop("cancelled");
				return;
			} catch (err) {
				if (err instanceof EdgeHttpError) {
					if (err.revoked) return this.stop("revoked");
					if (err.status === 404 || err.status === 409) {
						log.warn("edge no longer holds this job for us; stopping it", { status: err.status, code: err.code });
						return this.stop("lease_lost");
					}
					if (err.status !== 401 && !err.transient) {
						log.error("edge refused job events", { error: err.message, firstSeq: batch[0]?.seq });
						return this.stop("rejected");
					}
				}
				if (this.options.signal?.aborted) return this.stop("rejected");
				const delay = this.backoff.next();
				this.outage ??= new PostOutage(log, batch[0]?.seq);
				this.outage.failed(errorMessage(err), delay);
				await sleep(delay, this.options.signal);
			}
		}
	}
}

/**
 * One run of failed posts: logged when it starts and when a post gets through
 * again, with the retries between at debug level. An edge outage lasts as
 * long as it lasts; a warning per backoff step would bury the log.
 */
class PostOutage {
	private readonly since = Date.now();
	private retries = 0;

	constructor(
		private readonly log: Logger,
		private readonly firstSeq: number | undefined,
	) {}

	failed(error: string, retryInMs: number): void {
		this.retries++;
		if (this.retries === 1) {
			this.log.warn("posting job events failed; retrying with the same seqs until the edge answers", {
				error,
				firstSeq: this.firstSeq,
				retryInMs,
			});
		} else {
			this.log.debug("posting job events failed again", { error, retries: this.retries, retryInMs });
		}
	}

	end(): void {
		this.log.info("posting job events works again", { retries: this.retries, downForMs: Date.now() - this.since });
	}
}

/** Cuts text into pieces of at most `max` UTF-16 units, never between the two halves of a surrogate pair. */
export function splitText(text: string, max: number): string[] {
	const pieces: string[] = [];
	let start = 0;
	while (start < text.length) {
		let end = Math.min(text.length, start + max);
		const code = text.charCodeAt(end - 1);
		if (end < text.length && code >= 0xd800 && code <= 0xdbff && end - 1 > start) end--;
		pieces.push(text.slice(start, end));
		start = end;
	}
	return pieces;
}

/** The characters an event adds to a post: its text, and the backend's chunk or response when it carries one. */
function eventChars(event: PendingEvent): number {
	if (event.type === "delta") return event.text.length + (event.chunk ? JSON.stringify(event.chunk).length : 0);
	if (event.type === "done" && event.response) return JSON.stringify(event.response).length;
	return 0;
}
