/**
 * Every job's deadlines: how long it may wait in the queue and how long until
 * its first output, counted from the request's arrival (so a job handed on to
 * another zone keeps the time it already spent). Past either, the alarm ends
 * it with `timeout`; a node holding it learns it from its next post or
 * heartbeat (the lease id stays), as for any cancel.
 */

import type { GeozoneConfig } from "../config.js";
import type { SubmitJobInput } from "../contract.js";
import { readMeta, writeMeta } from "../schema.js";
import type { ZoneState } from "../zone-state.js";
import type { JobDeadlines } from "./job-queue.js";
import { failJob } from "./job-transitions.js";

const DUE_KEY = "deadline_due_at";

/**
 * A new job's deadlines. A client's `timeoutMs` bounds both; otherwise a sync job takes the zone's
 * limits, and an async job (nobody waits on it) has only its retention deadline (async-job-retention.ts).
 * @example jobDeadlines(config, { receivedAt: 0, timeoutMs: 5000 }) // { queueBy: 5000, firstTokenBy: 5000 }
 */
export function jobDeadlines(
	config: Pick<GeozoneConfig, "queueTimeoutMs" | "firstTokenTimeoutMs">,
	input: Pick<SubmitJobInput, "receivedAt" | "kind" | "timeoutMs">,
): JobDeadlines {
	if (input.timeoutMs !== undefined) {
		const at = input.receivedAt + input.timeoutMs;
		return { queueBy: at, firstTokenBy: at };
	}
	if (input.kind === "async") return { queueBy: null, firstTokenBy: null };
	return {
		queueBy: input.receivedAt + config.queueTimeoutMs,
		firstTokenBy: input.receivedAt + config.firstTokenTimeoutMs,
	};
}

/** Ends every job past a deadline with `timeout` (status failed); returns their ids. */
export function expireDeadlines(state: ZoneState): string[] {
	const now = state.now();
	const rows = state.sql
		.exec<{ job_id: string; status: string; received_at: number }>(
			`SELECT job_id, status, received_at FROM jobs
			 WHERE (status = 'queued' AND handoff_zone IS NULL AND (queue_deadline_at <= ? OR first_token_deadline_at <= ?))
			    OR (status = 'leased' AND first_token_deadline_at <= ?)`,
			now,
			now,
			now,
		)
		.toArray();
	for (const row of rows) {
		const waited = now - row.received_at;
		const message =
			row.status === "queued"
				? `The job waited ${waited} ms in the queue, past its deadline; no node took it in time.`
				: `The job produced no output within its deadline (${waited} ms after it arrived); it was cancelled on its node.`;
		failJob(state, row.job_id, "failed", "timeout", message);
	}
	return rows.map((r) => r.job_id);
}

/** Lowers the next deadline check to the new job's earliest deadline, without a scan. */
export function noteDeadline(state: ZoneState, deadlines: JobDeadlines): void {
	const at = [deadlines.queueBy, deadlines.firstTokenBy].filter((t): t is number => t !== null);
	if (at.length === 0) return;
	const earliest = Math.min(...at);
	const current = nextDeadlineAt(state);
	if (current === null || earliest < current) writeMeta(state.sql, DUE_KEY, String(earliest));
}

/** Recomputes (in the alarm) the earliest deadline of a job still waiting for its first output. */
export function planDeadlines(state: ZoneState): void {
	const row = state.sql
		.exec<{ at: number | null }>(
			`SELECT min(CASE WHEN status = 'queued'
			   THEN min(coalesce(queue_deadline_at, first_token_deadline_at), coalesce(first_token_deadline_at, queue_deadline_at))
			   ELSE first_token_deadline_at END) AS at
			 FROM jobs WHERE status IN ('queued', 'leased')`,
		)
		.one();
	const value = row.at === null ? "" : String(row.at);
	if (readMeta(state.sql, DUE_KEY) !== value) writeMeta(state.sql, DUE_KEY, value);
}

/** When a job's deadline is next due, or null. Cheap: read on every re-plan. */
export function nextDeadlineAt(state: ZoneState): number | null {
	const value = readMeta(state.sql, DUE_KEY);
	return value === null || value === "" ? null : Number(value);
}
