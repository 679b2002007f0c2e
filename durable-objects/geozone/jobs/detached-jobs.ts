/**
 * Sync jobs that lost their reader for good. A sync job's client waits on its
 * output stream, whose writer lives in memory; after the object restarts the
 * writer is gone, and only the Worker's `resume` can attach a new one. If no
 * Worker does so within the grace period, the client is gone too (the Worker
 * restarted, or gave up), and the job would run, or wait to run, for nobody:
 * the alarm cancels it, which also tells its node to stop. Async jobs have no
 * stream and are never touched here.
 */

import { deleteMeta, readMeta, writeMeta } from "../schema.js";
import type { ZoneState } from "../zone-state.js";
import { cancelJob } from "./job-transitions.js";

/** Shortest grace for a reader to re-attach; the Worker's resumes take a few seconds at most. */
export const MIN_DETACHED_GRACE_MS = 5_000;

const STARTED_KEY = "instance_started_at";
/**
 * Set once this instance's grace has passed and its reader-less jobs were
 * cancelled: jobs accepted later always have a writer here, so from then on
 * the alarm re-plan after every RPC skips the scan (one meta read instead).
 */
const SETTLED_KEY = "detached_settled";

/** How long a reader-less sync job waits for a reader: one lease length (LEASE_MS), at least 5 s. */
export function detachedGraceMs(state: Pick<ZoneState, "config">): number {
	return Math.max(state.config.leaseMs, MIN_DETACHED_GRACE_MS);
}

/**
 * Records when this instance of the object started: the moment its in-memory
 * writers were lost. With no unfinished sync job at that moment there is
 * nothing to wait for (every later job gets a writer here), so the instance is
 * settled at once and the re-plan after each RPC never scans for such jobs.
 */
export function markInstanceStart(state: Pick<ZoneState, "sql" | "streams">, now: number): void {
	writeMeta(state.sql, STARTED_KEY, String(now));
	if (detachedJobIds(state).length === 0) writeMeta(state.sql, SETTLED_KEY, "1");
	else deleteMeta(state.sql, SETTLED_KEY);
}

/** Unfinished sync jobs without a stream writer in this instance. */
export function detachedJobIds(state: Pick<ZoneState, "sql" | "streams">): string[] {
	return state.sql
		.exec<{ job_id: string }>(
			"SELECT job_id FROM jobs WHERE kind = 'sync' AND status IN ('queued', 'leased', 'running') ORDER BY seqno",
		)
		.toArray()
		.map((row) => row.job_id)
		.filter((jobId) => !state.streams.has(jobId));
}

/** When the grace of the current reader-less sync jobs ends, or null when there are none. */
export function nextDetachedDeadline(state: ZoneState): number | null {
	if (readMeta(state.sql, SETTLED_KEY) !== null) return null;
	const started = readMeta(state.sql, STARTED_KEY);
	if (started === null || detachedJobIds(state).length === 0) return null;
	return Number(started) + detachedGraceMs(state);
}

/** Cancels the reader-less sync jobs once the grace since the instance started has passed; returns their ids. */
export function cancelDetachedJobs(state: ZoneState): string[] {
	if (readMeta(state.sql, SETTLED_KEY) !== null) return [];
	const started = readMeta(state.sql, STARTED_KEY);
	if (started === null || state.now() < Number(started) + detachedGraceMs(state)) return [];
	const cancelled: string[] = [];
	for (const jobId of detachedJobIds(state)) {
		const why = `no client re-attached to the job's stream within ${detachedGraceMs(state)} ms of a zone restart`;
		if (cancelJob(state, jobId, why)) cancelled.push(jobId);
	}
	writeMeta(state.sql, SETTLED_KEY, "1");
	return cancelled;
}
