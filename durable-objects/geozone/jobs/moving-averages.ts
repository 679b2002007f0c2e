/**
 * The zone's observed queue wait and time to first token, as exponentially
 * weighted moving averages. Routers add both to a zone's network latency, so
 * they must follow the zone's load within a few jobs without jumping on one
 * outlier. Kept in the meta table: in-memory state vanishes on eviction.
 *
 *   avg ← avg + α × (sample − avg),  α = EWMA_ALPHA; the first sample sets avg.
 */
import { readMeta, writeMeta } from "../schema.js";
import type { ZoneState } from "../zone-state.js";

/**
 * Smoothing factor α: each sample moves the average 20% of the way. A sample's
 * weight halves after ~3 newer ones, and the last 10 hold ~89% of the weight.
 */
export const EWMA_ALPHA = 0.2;

/** The averages, in ms; 0 until a first sample arrives. */
export interface MovingAverages {
	queueWaitMs: number;
	ttftMs: number;
	/** Samples taken so far (queue wait, ttft). */
	queueWaitSamples: number;
	ttftSamples: number;
}

type Metric = "queue_wait" | "ttft";

/** The next value of an average after a sample; `count` is the samples taken before this one. */
export function ewmaStep(average: number, count: number, sample: number, alpha: number = EWMA_ALPHA): number {
	return count === 0 ? sample : average + alpha * (sample - average);
}

function read(sql: SqlStorage, metric: Metric): { value: number; count: number } {
	return {
		value: Number(readMeta(sql, `ewma_${metric}_ms`) ?? "0"),
		count: Number(readMeta(sql, `ewma_${metric}_n`) ?? "0"),
	};
}

function record(state: ZoneState, metric: Metric, sampleMs: number): void {
	// Worker and object clocks differ slightly; a negative gap means "no wait".
	const sample = Math.max(0, sampleMs);
	const { value, count } = read(state.sql, metric);
	writeMeta(state.sql, `ewma_${metric}_ms`, String(ewmaStep(value, count, sample)));
	writeMeta(state.sql, `ewma_${metric}_n`, String(count + 1));
}

/** Records a job's wait from its receipt by the Worker to its first lease (ms). */
export function recordQueueWait(state: ZoneState, waitMs: number): void {
	record(state, "queue_wait", waitMs);
}

/** Records a job's time from lease to first output token (ms). */
export function recordTtft(state: ZoneState, ttftMs: number): void {
	record(state, "ttft", ttftMs);
}

/** The current averages. */
export function movingAverages(sql: SqlStorage): MovingAverages {
	const queueWait = read(sql, "queue_wait");
	const ttft = read(sql, "ttft");
	return {
		queueWaitMs: queueWait.value,
		ttftMs: ttft.value,
		queueWaitSamples: queueWait.count,
		ttftSamples: ttft.count,
	};
}
