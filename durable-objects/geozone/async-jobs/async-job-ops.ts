/**
 * The zone's side of asynchronous jobs (POST /v1/jobs): accept one without an
 * output stream (no reader exists, so nothing can cancel it for leaving),
 * idempotently by job id so the Worker may retry a submit after a crash;
 * read it back for its tenant; cancel it for its tenant.
 */
import type { JsonObject } from "../../../src/protocol/json-value.js";
import type { AsyncJobConfig } from "../config.js";
import type { AsyncJobView, CancelForTenantResult, SubmitAsyncResult, SubmitJobInput } from "../contract.js";
import { dispatchQueued } from "../jobs/dispatch.js";
import { jobDeadlines, noteDeadline } from "../jobs/job-deadlines.js";
import { energySourceOf } from "../jobs/job-energy.js";
import { NO_LIVE_NODE_RETRY_MS, QUEUE_FULL_RETRY_MS } from "../jobs/job-ops.js";
import { outputText } from "../jobs/job-output-store.js";
import { getJob, insertJob, isTerminal, type JobRow, queueDepth, submittedEndpoint } from "../jobs/job-queue.js";
import { cancelJob } from "../jobs/job-transitions.js";
import { hasLiveNodeFor } from "../nodes/node-table.js";
import { markFlushDue, type ZoneState } from "../zone-state.js";

/**
 * Accepts an async job once written to SQLite and dispatches it. A job id the
 * zone already holds for the same tenant is answered `replayed` without a
 * second insert (a retried submit); refusals write nothing.
 */
export function submitAsyncJob(state: ZoneState, input: SubmitJobInput): SubmitAsyncResult {
	const known = getJob(state.sql, input.jobId);
	if (known) {
		if (known.kind !== "async" || known.tenant_id !== input.tenantId) {
			throw new Error(`jobId: ${input.jobId} is already another job in this zone; job ids must be unique`);
		}
		return { accepted: true, replayed: true };
	}
	if (!hasLiveNodeFor(state, input.model, submittedEndpoint(input))) {
		return { accepted: false, reason: "no_live_node", retryAfterMs: NO_LIVE_NODE_RETRY_MS };
	}
	if (queueDepth(state.sql) >= state.config.maxQueueDepth) {
		return { accepted: false, reason: "queue_full", retryAfterMs: QUEUE_FULL_RETRY_MS };
	}
	const deadlines = jobDeadlines(state.config, { ...input, kind: "async" });
	insertJob(state.sql, { ...input, kind: "async", stream: false }, undefined, deadlines);
	noteDeadline(state, deadlines);
	markFlushDue(state);
	dispatchQueued(state);
	return { accepted: true, replayed: false };
}

/** When an async job is forgotten: finished + retention, else its queue deadline (received + retention by default). */
export function asyncExpiresAt(row: JobRow, config: AsyncJobConfig): number {
	if (row.finished_at !== null && row.status !== "expired") return row.finished_at + config.jobRetentionMs;
	return row.expires_at ?? row.received_at + config.jobRetentionMs;
}

/** The tenant's async job, or null when unknown, another tenant's, expired or past its retention. */
export function asyncJobView(
	state: ZoneState,
	config: AsyncJobConfig,
	zoneId: string,
	jobId: string,
	tenantId: string,
): AsyncJobView | null {
	const row = getJob(state.sql, jobId);
	if (row?.kind !== "async" || row.tenant_id !== tenantId || row.status === "expired") return null;
	const expiresAt = asyncExpiresAt(row, config);
	if (isTerminal(row.status) && expiresAt <= state.now()) return null;
	return toView(state, row, zoneId, expiresAt);
}

/** Cancels the tenant's queued or running async job (the node learns it at its next heartbeat or post). */
export function cancelAsyncForTenant(
	state: ZoneState,
	config: AsyncJobConfig,
	zoneId: string,
	jobId: string,
	tenantId: string,
): CancelForTenantResult {
	const before = asyncJobView(state, config, zoneId, jobId, tenantId);
	if (!before) return { outcome: "not_found" };
	if (isTerminal(before.status)) return { outcome: "finished", status: before.status };
	cancelJob(state, jobId, "cancelled by the client");
	const after = asyncJobView(state, config, zoneId, jobId, tenantId);
	return after ? { outcome: "cancelled", job: after } : { outcome: "not_found" };
}

function toView(state: ZoneState, row: JobRow, zoneId: string, expiresAt: number): AsyncJobView {
	const succeeded = row.status === "succeeded";
	return {
		jobId: row.job_id,
		zoneId,
		model: row.model,
		status: row.status,
		attempts: row.attempts,
		nodeId: row.node_id,
		receivedAt: row.received_at,
		finishedAt: row.finished_at,
		expiresAt,
		output: succeeded ? outputText(state.sql, row.job_id) : null,
		response: succeeded && row.response !== null ? (JSON.parse(row.response) as JsonObject) : null,
		finishReason: row.finish_reason,
		usage:
			succeeded && row.prompt_tokens !== null && row.completion_tokens !== null
				? { prompt_tokens: row.prompt_tokens, completion_tokens: row.completion_tokens }
				: null,
		error:
			row.error_code !== null && !succeeded
				? { code: row.error_code, message: row.error_message ?? row.error_code }
				: null,
		estimate:
			row.est_energy_j !== null && row.est_gco2 !== null
				? {
						energyJ: row.est_energy_j,
						gco2: row.est_gco2,
						gpuClass: row.est_gpu_class ?? "unknown",
						energySource: energySourceOf(row),
					}
				: null,
		routing: row.routing,
	};
}
