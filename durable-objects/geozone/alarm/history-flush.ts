/**
 * Writes finished jobs and the zone's status to D1, off the hot path, in one
 * db.batch (D1 has no interactive transactions). Rows are marked flushed
 * only after the batch succeeds, so a failed write is retried by a later alarm.
 */

import { and, eq, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { asyncJobs, zoneStatus } from "../../../src/db/schema.js";
import { traceIdOf } from "../../../src/protocol/trace-context.js";
import { energySourceOf } from "../jobs/job-energy.js";
import type { JobRow } from "../jobs/job-queue.js";
import { routingFigures } from "../jobs/routing-record.js";
import { deleteMeta, writeMeta } from "../schema.js";
import { zoneSummary } from "../summary.js";
import { FINISHED_RETENTION_MS, markFlushDue, type ZoneState } from "../zone-state.js";
import { type HistoryRow, historyBindings, JOB_HISTORY_UPSERT } from "./history-upsert.js";

/** Most jobs written per flush; D1 batches stay small and the rest follow at the next alarm. */
export const FLUSH_BATCH_JOBS = 50;

/** Delay before a failed D1 write is tried again. */
export const FLUSH_RETRY_MS = 5_000;

/**
 * Writes pending history and zone_status to D1; returns how many jobs were written. Throws if D1 fails.
 * With `asyncRetentionMs`, a finished async job's D1 `async_jobs.expires_at` moves to finished + retention.
 */
export async function flushHistory(
	state: ZoneState,
	d1: D1Database,
	zoneId: string,
	asyncRetentionMs?: number,
): Promise<number> {
	const pending = state.sql
		.exec<FlushedJob>(
			`SELECT ${FLUSHED_COLUMNS} FROM jobs WHERE history_pending = 1 ORDER BY finished_at LIMIT ?`,
			FLUSH_BATCH_JOBS,
		)
		.toArray();
	const summary = zoneSummary(state, zoneId);
	const db = drizzle(d1);
	const statusRow = {
		zoneId,
		liveNodes: summary.liveNodes,
		models: JSON.stringify(summary.models),
		modelDetails: JSON.stringify(summary.modelDetails),
		slots: summary.slots,
		freeSlots: summary.freeSlots,
		queueDepth: summary.queueDepth,
		updatedAt: summary.updatedAt,
		powerW: summary.powerW,
		ownPowerW: summary.ownPowerW,
		ownPowerGco2W: summary.ownPowerGco2W,
		queueWaitMs: summary.queueWaitMs,
		ttftMs: summary.ttftMs,
	};
	const { zoneId: _key, ...statusUpdate } = statusRow;
	const statusQuery = db.insert(zoneStatus).values(statusRow).onConflictDoUpdate({
		target: zoneStatus.zoneId,
		set: statusUpdate,
	});
	const upsert = d1.prepare(JOB_HISTORY_UPSERT);
	const jobStatements = pending.map((row) => upsert.bind(...historyBindings(historyRow(row, zoneId))));
	const retentionQueries = pending
		.filter((row) => asyncRetentionMs !== undefined && row.kind === "async" && row.finished_at !== null)
		.filter((row) => row.status !== "expired")
		.map((row) => {
			const expiresAt = (row.finished_at ?? 0) + (asyncRetentionMs ?? 0);
			return db
				.update(asyncJobs)
				.set({ expiresAt })
				.where(and(eq(asyncJobs.id, row.job_id), lt(asyncJobs.expiresAt, expiresAt)));
		});
	// Claim the due flush before awaiting: a change made meanwhile asks for a new one.
	deleteMeta(state.sql, "flush_due_at");
	try {
		await d1.batch([
			prepared(d1, statusQuery),
			...jobStatements,
			...retentionQueries.map((query) => prepared(d1, query)),
		]);
	} catch (error) {
		writeMeta(state.sql, "flush_due_at", String(state.now() + FLUSH_RETRY_MS));
		throw error;
	}
	for (const row of pending) {
		state.sql.exec("UPDATE jobs SET history_pending = 0 WHERE job_id = ? AND history_pending = 1", row.job_id);
	}
	if (pending.length === FLUSH_BATCH_JOBS) markFlushDue(state);
	return pending.length;
}

/** Deletes finished sync jobs flushed more than FINISHED_RETENTION_MS ago; returns how many (async: async-job-retention.ts). */
export function purgeFinished(state: ZoneState): number {
	const purgeable = `SELECT job_id FROM jobs WHERE kind = 'sync' AND history_pending = 0 AND finished_at IS NOT NULL AND finished_at <= ?
		 AND status IN ('succeeded', 'failed', 'cancelled', 'expired')`;
	const before = state.now() - FINISHED_RETENTION_MS;
	state.sql.exec(`DELETE FROM job_output WHERE job_id IN (${purgeable})`, before);
	return state.sql.exec(`DELETE FROM jobs WHERE job_id IN (${purgeable})`, before).rowsWritten;
}

/** When the next flushed, finished job may be purged, or null. */
export function nextPurgeAt(state: ZoneState): number | null {
	const row = state.sql
		.exec<{ at: number | null }>(
			"SELECT min(finished_at) AS at FROM jobs WHERE kind = 'sync' AND history_pending = 0 AND finished_at IS NOT NULL",
		)
		.one();
	return row.at === null ? null : row.at + FINISHED_RETENTION_MS;
}

/** What the flush reads of a finished job (not the request, which the history does not keep). */
type FlushedJob = Pick<
	JobRow,
	| "job_id"
	| "tenant_id"
	| "model"
	| "node_id"
	| "status"
	| "stream"
	| "received_at"
	| "leased_at"
	| "first_token_at"
	| "finished_at"
	| "attempts"
	| "prompt_tokens"
	| "completion_tokens"
	| "finish_reason"
	| "error_code"
	| "error_message"
	| "routing"
	| "est_energy_j"
	| "est_gco2"
	| "measured_energy_j"
	| "kind"
	| "api_key_id"
	| "traceparent"
>;

const FLUSHED_COLUMNS = `job_id, tenant_id, model, node_id, status, stream, received_at, leased_at, first_token_at,
	finished_at, attempts, prompt_tokens, completion_tokens, finish_reason, error_code, error_message, routing,
	est_energy_j, est_gco2, measured_energy_j, kind, api_key_id, traceparent`;

/** A drizzle query as a D1 statement, so that it can share a batch with prepared ones. */
function prepared(d1: D1Database, query: { toSQL(): { sql: string; params: unknown[] } }): D1PreparedStatement {
	const { sql, params } = query.toSQL();
	return d1.prepare(sql).bind(...params);
}

function historyRow(row: FlushedJob, zoneId: string): HistoryRow {
	return {
		id: row.job_id,
		tenantId: row.tenant_id,
		model: row.model,
		zoneId,
		nodeId: row.node_id,
		status: row.status,
		stream: row.stream === 1,
		receivedAt: row.received_at,
		leasedAt: row.leased_at,
		firstTokenAt: row.first_token_at,
		finishedAt: row.finished_at,
		attempts: row.attempts,
		promptTokens: row.prompt_tokens,
		completionTokens: row.completion_tokens,
		finishReason: row.finish_reason,
		errorCode: row.error_code,
		errorMessage: row.error_message,
		routing: row.routing,
		...routingFigures(row.routing),
		estEnergyJ: row.est_energy_j,
		estGco2: row.est_gco2,
		energySource: row.est_energy_j === null ? null : energySourceOf(row),
		kind: row.kind,
		apiKeyId: row.api_key_id,
		traceId: traceIdOf(row.traceparent),
	};
}
