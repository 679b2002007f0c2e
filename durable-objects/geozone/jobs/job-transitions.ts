/**
 * The state changes of a job after it was leased: finish, fail, re-queue and
 * cancel. Each updates SQLite and tells the job's stream, so a stream is
 * always ended by a `done` or an `error` event, never silently cut.
 */
import type { TokenUsage } from "../../../src/protocol/agent-wire.js";
import type { JobStreamErrorCode } from "../../../src/protocol/job-stream.js";
import type { JsonObject } from "../../../src/protocol/json-value.js";
import type { FinishReason } from "../../../src/protocol/openai.js";
import { countEndedJob } from "../metrics/job-metrics.js";
import { markFlushDue, type ZoneState } from "../zone-state.js";
import { estimateFinishedJob } from "./job-energy.js";
import { getJob, isTerminal, type JobRow, markQueued } from "./job-queue.js";

/** What succeedJob reads of the job's row (the caller has it already). */
export type SucceedingJob = Pick<JobRow, "job_id" | "model" | "node_id" | "routing">;

/**
 * Finishes a job as succeeded with its energy estimate, in one statement, and
 * closes its stream with the usage and estimate. `nextSeq`, when given, is
 * stored with it (the events just applied: the post's own update is then not needed).
 * `response` is an unstreamed job's backend response, kept for a reader that resumes.
 */
export function succeedJob(
	state: ZoneState,
	row: SucceedingJob,
	finishReason: FinishReason,
	usage: TokenUsage,
	nextSeq?: number,
	measuredJ: number | null = null,
	response?: JsonObject,
): void {
	const estimate = estimateFinishedJob(state, row, usage.completion_tokens, measuredJ);
	state.sql.exec(
		`UPDATE jobs SET status = 'succeeded', finished_at = ?, finish_reason = ?, prompt_tokens = ?,
		   completion_tokens = ?, history_pending = 1, est_energy_j = ?, est_gco2 = ?, est_gpu_class = ?,
		   measured_energy_j = ?, next_seq = coalesce(?, next_seq), response = coalesce(?, response) WHERE job_id = ?`,
		state.now(),
		finishReason,
		usage.prompt_tokens,
		usage.completion_tokens,
		estimate.energyJ,
		estimate.gco2,
		estimate.gpuClass,
		measuredJ,
		nextSeq ?? null,
		response ? JSON.stringify(response) : null,
		row.job_id,
	);
	countEndedJob(state.sql, row.job_id);
	markFlushDue(state);
	state.streams.close(row.job_id, {
		type: "done",
		finishReason,
		usage,
		...(response ? { response } : {}),
		...(estimate.stream ? { estimate: estimate.stream } : {}),
	});
}

/**
 * Holds the result of a sync job that finished while nobody reads its stream:
 * the object restarted (its in-memory writers are gone) and no Worker has
 * re-attached yet. Marking it succeeded would claim an answer that reached
 * nobody, so it stays `running` with its finish reason and usage recorded and
 * no lease: a `resume` within the grace delivers it and succeeds it
 * (resume.ts); otherwise the alarm cancels it (detached-jobs.ts).
 */
export function holdForReader(
	state: ZoneState,
	jobId: string,
	finishReason: FinishReason,
	usage: TokenUsage,
	measuredJ: number | null = null,
	response?: JsonObject,
): void {
	state.sql.exec(
		`UPDATE jobs SET finish_reason = ?, prompt_tokens = ?, completion_tokens = ?, measured_energy_j = ?,
		   lease_expires_at = NULL, response = ? WHERE job_id = ?`,
		finishReason,
		usage.prompt_tokens,
		usage.completion_tokens,
		measuredJ,
		response ? JSON.stringify(response) : null,
		jobId,
	);
}

/** Whether a job finished on its node and waits for a reader to take its result (see holdForReader). */
export function awaitsReader(row: { status: string; finish_reason: string | null }): boolean {
	return row.status === "running" && row.finish_reason !== null;
}

/**
 * Ends a job with an error (`failed`, `cancelled` or `expired`) and closes its
 * stream with an error event. The lease id stays, so the node learns of it.
 */
export function failJob(
	state: ZoneState,
	jobId: string,
	status: "failed" | "cancelled" | "expired",
	code: JobStreamErrorCode,
	message: string,
): void {
	state.sql.exec(
		`UPDATE jobs SET status = ?, finished_at = ?, error_code = ?, error_message = ?, history_pending = 1
		 WHERE job_id = ?`,
		status,
		state.now(),
		code,
		message,
		jobId,
	);
	countEndedJob(state.sql, jobId);
	markFlushDue(state);
	state.streams.close(jobId, { type: "error", code, message });
}

/**
 * Puts a leased job with no output back in the queue. `countAttempt` false
 * undoes the delivery's attempt (the node handed it back unrun). Fails the
 * job with max_attempts instead when it has used them all.
 */
export function requeueJob(state: ZoneState, jobId: string, countAttempt: boolean, why: string): "queued" | "failed" {
	const row = getJob(state.sql, jobId);
	if (!row || isTerminal(row.status)) return "failed";
	const attempts = countAttempt ? row.attempts : Math.max(0, row.attempts - 1);
	if (attempts >= state.config.maxAttempts) {
		failJob(state, jobId, "failed", "max_attempts", `gave up after ${attempts} attempts; last: ${why}`);
		return "failed";
	}
	markQueued(state.sql);
	state.sql.exec(
		`UPDATE jobs SET status = 'queued', attempts = ?, lease_id = NULL, node_id = NULL, lease_expires_at = NULL,
		   next_seq = 0 WHERE job_id = ?`,
		attempts,
		jobId,
	);
	markFlushDue(state);
	return "queued";
}

/** Cancels a queued or leased job; returns false if it was unknown or already finished. */
export function cancelJob(state: ZoneState, jobId: string, message: string): boolean {
	const row = getJob(state.sql, jobId);
	if (!row || isTerminal(row.status)) return false;
	failJob(state, jobId, "cancelled", "cancelled", message);
	return true;
}
