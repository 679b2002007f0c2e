/**
 * Retention of asynchronous jobs: a finished async job and its output stay
 * in the zone for JOB_RETENTION_MS (so GET /v1/jobs/{id} can read the
 * result), then the alarm deletes them, once their history is in D1 and their
 * webhook is settled. A job still queued at its deadline is expired instead
 * of waiting for ever. Sync jobs keep history-flush.ts's short purge.
 */
import type { AsyncJobConfig } from "../config.js";
import { countEndedJob } from "../metrics/job-metrics.js";
import { readMeta, writeMeta } from "../schema.js";
import { markFlushDue, type ZoneState } from "../zone-state.js";

const DUE_KEY = "async_due_at";

/** Expires queued async jobs past their deadline; returns their ids. */
export function expireQueuedAsync(state: ZoneState): string[] {
	const now = state.now();
	const ids = state.sql
		.exec<{ job_id: string }>(
			"SELECT job_id FROM jobs WHERE kind = 'async' AND status = 'queued' AND expires_at IS NOT NULL AND expires_at <= ?",
			now,
		)
		.toArray()
		.map((r) => r.job_id);
	for (const id of ids) {
		state.sql.exec(
			`UPDATE jobs SET status = 'expired', finished_at = ?, error_code = 'job_expired',
			   error_message = 'the job was not served before its deadline', history_pending = 1
			 WHERE job_id = ? AND status = 'queued'`,
			now,
			id,
		);
		countEndedJob(state.sql, id);
	}
	if (ids.length > 0) markFlushDue(state);
	return ids;
}

/**
 * Deletes async jobs (and their output) past retention, flushed and with no webhook pending; returns how many.
 * A job expired at its queue deadline (`job_expired`) is already past retention; any other end is kept for it.
 */
export function purgeExpiredAsync(state: ZoneState, config: AsyncJobConfig): number {
	const purgeable = `SELECT job_id FROM jobs WHERE kind = 'async' AND history_pending = 0 AND finished_at IS NOT NULL
		 AND (error_code = 'job_expired' OR finished_at <= ?) AND coalesce(webhook_status, '') <> 'pending'
		 AND status IN ('succeeded', 'failed', 'cancelled', 'expired')`;
	const before = state.now() - config.jobRetentionMs;
	state.sql.exec(`DELETE FROM job_output WHERE job_id IN (${purgeable})`, before);
	return state.sql.exec(`DELETE FROM jobs WHERE job_id IN (${purgeable})`, before).rowsWritten;
}

/** Recomputes (in the alarm) when async work is next due: a queue deadline, the end of a retention, or `alsoAt` (the next webhook). */
export function planAsyncDue(state: ZoneState, config: AsyncJobConfig, alsoAt: number | null = null): void {
	const row = state.sql
		.exec<{ at: number | null }>(
			`SELECT min(CASE WHEN status = 'queued' THEN expires_at ELSE finished_at + ? END) AS at FROM jobs
			 WHERE kind = 'async' AND (status = 'queued' OR finished_at IS NOT NULL)`,
			config.jobRetentionMs,
		)
		.one();
	// Work already due but blocked (history not yet in D1, a webhook pending) is looked at again in a second, not in a loop.
	const earliest = row.at === null ? alsoAt : alsoAt === null ? row.at : Math.min(row.at, alsoAt);
	const at = earliest === null ? "" : String(Math.max(earliest, state.now() + 1_000));
	writeMeta(state.sql, DUE_KEY, at);
}

/** Lowers the next async due time to `at` (a new job's deadline) without a scan. */
export function noteAsyncDue(state: ZoneState, at: number): void {
	const current = asyncDueAt(state);
	if (current === null || at < current) writeMeta(state.sql, DUE_KEY, String(at));
}

/** When async retention work is next due, or null. Cheap: read on every re-plan. */
export function asyncDueAt(state: ZoneState): number | null {
	const value = readMeta(state.sql, DUE_KEY);
	return value === null || value === "" ? null : Number(value);
}
