/**
 * When chaos strikes. Events are tied to the workload's progress (the number
 * of client jobs finished), not to the clock, so a slow machine gets the same
 * sequence at the same points of the run; only a cut link must last a real
 * time (longer than a lease). Events run one after another, never overlapping,
 * and each one is logged with the progress it saw.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** One scheduled event. */
export interface ChaosEvent {
	/** Fraction of the jobs finished (0..1) after which the event runs. */
	atFraction: number;
	/** What it does, e.g. "SIGKILL chaos-eu-stockholm-1". */
	name: string;
	/** Does it; returns a short detail for the log. */
	run(): Promise<string>;
}

/** One event as it happened. */
export interface ChaosLogEntry {
	name: string;
	/** Jobs finished when it started, and when it ended. */
	finishedAtStart: number;
	finishedAtEnd: number;
	/** Jobs not yet finished when it started: what it could hit. */
	outstandingAtStart: number;
	/** Ms since the workload started. */
	startedMs: number;
	durationMs: number;
	detail: string;
	error?: string;
}

/** Progress of the workload, read by the scheduler. */
export interface Progress {
	total: number;
	finished(): number;
	startedAt: number;
}

/** Runs `events` in order of `atFraction` as the workload progresses; stops early when `stop` aborts. */
export async function runSchedule(
	events: readonly ChaosEvent[],
	progress: Progress,
	stop: AbortSignal,
): Promise<ChaosLogEntry[]> {
	const log: ChaosLogEntry[] = [];
	const ordered = [...events].sort((a, b) => a.atFraction - b.atFraction);
	for (const event of ordered) {
		if (!(event.atFraction >= 0 && event.atFraction <= 1))
			throw new Error(
				`atFraction: expected a number from 0 to 1, got ${String(event.atFraction)} (${typeof event.atFraction})`,
			);
		const threshold = Math.floor(event.atFraction * progress.total);
		while (progress.finished() < threshold && !stop.aborted) await sleep(50);
		if (stop.aborted) break;
		const finishedAtStart = progress.finished();
		const started = Date.now();
		const entry: ChaosLogEntry = {
			name: event.name,
			finishedAtStart,
			finishedAtEnd: finishedAtStart,
			outstandingAtStart: progress.total - finishedAtStart,
			startedMs: started - progress.startedAt,
			durationMs: 0,
			detail: "",
		};
		try {
			entry.detail = await event.run();
		} catch (err) {
			entry.error = err instanceof Error ? err.message : String(err);
		}
		entry.durationMs = Date.now() - started;
		entry.finishedAtEnd = progress.finished();
		log.push(entry);
	}
	return log;
}

/** Runs `worker` over `items` with at most `concurrency` at once; `onDone` after each. */
export async function runPool<T, R>(
	items: readonly T[],
	concurrency: number,
	worker: (item: T) => Promise<R>,
	onDone: (result: R) => void,
): Promise<R[]> {
	const results: R[] = new Array(items.length);
	let next = 0;
	const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
		for (;;) {
			const i = next++;
			const item = items[i];
			if (i >= items.length || item === undefined) return;
			const result = await worker(item);
			results[i] = result;
			onDone(result);
		}
	});
	await Promise.all(lanes);
	return results;
}
