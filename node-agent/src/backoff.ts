/**
 * Exponential backoff with full jitter (AWS architecture blog's "full jitter"):
 * every retry waits a uniformly random time in [0, min(cap, base * 2^attempt)].
 * The randomness spreads a fleet of agents that lost the edge at the same time,
 * so they do not reconnect in lock-step when it comes back.
 */

export interface BackoffOptions {
	/** First ceiling in ms. Default 250. */
	baseMs?: number;
	/** Largest ceiling in ms. Default 15 000. */
	capMs?: number;
	/** Source of randomness in [0, 1); injectable for tests. Default Math.random. */
	random?: () => number;
}

export class Backoff {
	readonly baseMs: number;
	readonly capMs: number;
	private readonly random: () => number;
	private attempt = 0;

	constructor(options: BackoffOptions = {}) {
		this.baseMs = options.baseMs ?? 250;
		this.capMs = options.capMs ?? 15_000;
		this.random = options.random ?? Math.random;
		if (!(this.baseMs > 0)) throw new RangeError(`baseMs: expected a number above 0, got ${this.baseMs}`);
		if (!(this.capMs >= this.baseMs)) {
			throw new RangeError(`capMs: expected a number >= baseMs (${this.baseMs}), got ${this.capMs}`);
		}
	}

	/** Retries since the last success. */
	get attempts(): number {
		return this.attempt;
	}

	/** The ceiling the next delay is drawn under. */
	ceiling(): number {
		// Bounding the exponent keeps 2^n finite however long the outage lasts.
		return Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
	}

	/** The next delay in ms, in [0, ceiling()); advances the attempt count. */
	next(): number {
		const delay = Math.floor(this.random() * this.ceiling());
		this.attempt += 1;
		return delay;
	}

	/** Call after a success: the next failure starts again from baseMs. */
	reset(): void {
		this.attempt = 0;
	}
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (signal?.aborted) return resolve();
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener("abort", done);
			resolve();
		}
		signal?.addEventListener("abort", done, { once: true });
	});
}
