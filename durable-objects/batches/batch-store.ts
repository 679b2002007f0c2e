/**
 * BatchStoreDO's operations on its SQLite: create, read, list and cancel
 * batches, hand the scheduler its work, and record each request's job and
 * end. Writes without an await between them commit together.
 */
import { BATCH_SELECT, type BatchRow, toBatchRecord } from "./batch-rows.js";
import {
	type BatchQuota,
	type BatchRecord,
	type BatchResults,
	type BatchWork,
	batchEndpoint,
	type CreateBatchInput,
	type DispatchedRequest,
	type PendingRequest,
} from "./contract.js";

/** Statuses in which requests still move. */
const LIVE = "('in_progress', 'cancelling')";

/** Stores a new batch and its lines; validation is done, so it starts in_progress. */
export function createBatch(sql: SqlStorage, input: CreateBatchInput): BatchRecord {
	sql.exec(
		`INSERT INTO batches (id, endpoint, input_file_id, completion_window, status, defer, created_at, expires_at, in_progress_at, metadata, allowed_regions, quota)
		 VALUES (?, ?, ?, ?, 'in_progress', ?, ?, ?, ?, ?, ?, ?)`,
		input.id,
		input.endpoint,
		input.inputFileId,
		input.completionWindow,
		input.defer ? 1 : 0,
		input.createdAt,
		input.expiresAt,
		input.createdAt,
		input.metadata === null ? null : JSON.stringify(input.metadata),
		input.allowedRegions === null ? null : JSON.stringify(input.allowedRegions),
		input.quota ? JSON.stringify(input.quota) : null,
	);
	for (const l of input.lines) {
		const failed = l.requestJson === null;
		sql.exec(
			"INSERT INTO batch_requests (batch_id, line, custom_id, model, request_json, state, result_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
			input.id,
			l.line,
			l.customId,
			l.model,
			l.requestJson,
			failed ? "failed" : "pending",
			failed ? l.errorJson : null,
		);
	}
	const batch = getBatch(sql, input.tenantId, input.id);
	if (!batch) throw new Error(`batch ${input.id} vanished after insert`);
	return batch;
}

/** The batch, or null. */
export function getBatch(sql: SqlStorage, tenantId: string, batchId: string): BatchRecord | null {
	const row = sql.exec<BatchRow>(`${BATCH_SELECT} WHERE b.id = ?`, batchId).toArray()[0];
	return row ? toBatchRecord(row, tenantId) : null;
}

/** Newest first, after the id `after` (OpenAI's cursor), `limit` of them and whether more exist. */
export function listBatches(
	sql: SqlStorage,
	tenantId: string,
	after: string | undefined,
	limit: number,
): { data: BatchRecord[]; hasMore: boolean } {
	const cursor = after
		? sql.exec<{ created_at: number }>("SELECT created_at FROM batches WHERE id = ?", after).toArray()[0]
		: undefined;
	const rows = cursor
		? sql
				.exec<BatchRow>(
					`${BATCH_SELECT} WHERE (b.created_at, b.id) < (?, ?) ORDER BY b.created_at DESC, b.id DESC LIMIT ?`,
					cursor.created_at,
					after ?? "",
					limit + 1,
				)
				.toArray()
		: sql.exec<BatchRow>(`${BATCH_SELECT} ORDER BY b.created_at DESC, b.id DESC LIMIT ?`, limit + 1).toArray();
	return { data: rows.slice(0, limit).map((r) => toBatchRecord(r, tenantId)), hasMore: rows.length > limit };
}

/**
 * Moves a live batch to cancelling: requests not yet dispatched end as
 * cancelled at once; dispatched ones are cancelled in their zones by the
 * next tick. Returns the batch, or null when unknown.
 */
export function cancelBatch(sql: SqlStorage, tenantId: string, batchId: string, now: number): BatchRecord | null {
	const batch = getBatch(sql, tenantId, batchId);
	if (!batch) return null;
	if (batch.status === "in_progress" || batch.status === "validating") {
		sql.exec("UPDATE batches SET status = 'cancelling', cancelling_at = ? WHERE id = ?", now, batchId);
		sql.exec("UPDATE batch_requests SET state = 'cancelled' WHERE batch_id = ? AND state = 'pending'", batchId);
	}
	return getBatch(sql, tenantId, batchId);
}

/**
 * The scheduler's work: pending requests of in_progress batches (earliest
 * deadline first), dispatched requests of live batches, and the batches
 * whose every request ended. Batches past their window first expire: their
 * pending requests end as cancelled-by-expiry.
 */
export function work(sql: SqlStorage, now: number, limit: number): BatchWork {
	const expired = sql
		.exec<{ id: string }>(`SELECT id FROM batches WHERE status = 'in_progress' AND expires_at <= ?`, now)
		.toArray();
	for (const { id } of expired) {
		sql.exec("UPDATE batches SET status = 'cancelling', expired_at = ? WHERE id = ?", now, id);
		sql.exec(
			"UPDATE batch_requests SET state = 'failed', result_json = ? WHERE batch_id = ? AND state = 'pending'",
			JSON.stringify({
				error: {
					code: "batch_expired",
					message: "This request could not be executed before the completion window expired.",
				},
			}),
			id,
		);
	}
	const pending = sql
		.exec<{
			batch_id: string;
			line: number;
			custom_id: string | null;
			model: string;
			endpoint: string;
			request_json: string;
			defer: number;
			created_at: number;
			expires_at: number;
			allowed_regions: string | null;
			quota: string | null;
		}>(
			`SELECT r.batch_id, r.line, r.custom_id, r.model, b.endpoint, r.request_json, b.defer, b.created_at, b.expires_at,
			   b.allowed_regions, b.quota
			 FROM batch_requests r JOIN batches b ON b.id = r.batch_id
			 WHERE r.state = 'pending' AND b.status = 'in_progress' ORDER BY b.expires_at, r.batch_id, r.line LIMIT ?`,
			limit,
		)
		.toArray()
		.map(
			(r): PendingRequest => ({
				batchId: r.batch_id,
				line: r.line,
				customId: r.custom_id,
				model: r.model,
				endpoint: batchEndpoint(r.endpoint),
				requestJson: r.request_json,
				defer: r.defer === 1,
				createdAt: r.created_at,
				expiresAt: r.expires_at,
				allowedRegions: r.allowed_regions === null ? null : (JSON.parse(r.allowed_regions) as string[]),
				quota: r.quota === null ? null : (JSON.parse(r.quota) as BatchQuota),
			}),
		);
	const dispatched = sql
		.exec<{
			batch_id: string;
			line: number;
			custom_id: string | null;
			job_id: string;
			zone_id: string;
			status: string;
			permit_id: string | null;
			quota: string | null;
		}>(
			`SELECT r.batch_id, r.line, r.custom_id, r.job_id, r.zone_id, b.status, r.permit_id, b.quota
			 FROM batch_requests r JOIN batches b ON b.id = r.batch_id
			 WHERE r.state = 'dispatched' AND b.status IN ${LIVE} LIMIT ?`,
			limit,
		)
		.toArray()
		.map(
			(r): DispatchedRequest => ({
				batchId: r.batch_id,
				line: r.line,
				customId: r.custom_id,
				jobId: r.job_id,
				zoneId: r.zone_id,
				cancelling: r.status === "cancelling",
				permit:
					r.permit_id !== null && r.quota !== null
						? { keyId: (JSON.parse(r.quota) as BatchQuota).keyId, permitId: r.permit_id }
						: null,
			}),
		);
	const toFinalize = sql
		.exec<{ id: string }>(
			`SELECT b.id FROM batches b WHERE b.status IN ${LIVE}
			 AND NOT EXISTS (SELECT 1 FROM batch_requests r WHERE r.batch_id = b.id AND r.state IN ('pending', 'dispatched'))`,
		)
		.toArray()
		.map((r) => r.id);
	const live =
		sql.exec<{ n: number }>(`SELECT count(*) AS n FROM batches WHERE status IN ${LIVE}`).toArray()[0]?.n ?? 0;
	return { pending, dispatched, toFinalize, liveBatches: live };
}

/** Records that a request runs as `jobId` in `zoneId`; false when it is no longer pending (cancelled meanwhile). */
export function markDispatched(
	sql: SqlStorage,
	r: { batchId: string; line: number; jobId: string; zoneId: string; permitId?: string | null | undefined },
): boolean {
	const cursor = sql.exec(
		`UPDATE batch_requests SET state = 'dispatched', job_id = ?, zone_id = ?, permit_id = ?
		 WHERE batch_id = ? AND line = ? AND state = 'pending'`,
		r.jobId,
		r.zoneId,
		r.permitId ?? null,
		r.batchId,
		r.line,
	);
	return cursor.rowsWritten > 0;
}

/** Records a request's end and its output or error line; a request already ended is left as it is. */
export function settle(
	sql: SqlStorage,
	r: { batchId: string; line: number; state: "succeeded" | "failed" | "cancelled"; resultJson: string },
): void {
	sql.exec(
		"UPDATE batch_requests SET state = ?, result_json = ? WHERE batch_id = ? AND line = ? AND state IN ('pending', 'dispatched')",
		r.state,
		r.resultJson,
		r.batchId,
		r.line,
	);
}

/** Puts a dispatched request back to pending (its zone refused it, or never received it). */
export function requeue(sql: SqlStorage, r: { batchId: string; line: number }): void {
	sql.exec(
		`UPDATE batch_requests SET state = 'pending', job_id = NULL, zone_id = NULL, permit_id = NULL
		 WHERE batch_id = ? AND line = ? AND state = 'dispatched'`,
		r.batchId,
		r.line,
	);
}

/** How long a tick may hold the tenant before another may start: a tick that died frees it by then. */
export const TICK_LEASE_MS = 60_000;

/** Takes the tick lease if free (or stale); false when another tick holds it. */
export function takeLease(sql: SqlStorage, now: number): boolean {
	const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'tick_lease'").toArray()[0];
	if (row && now - Number(row.value) < TICK_LEASE_MS) return false;
	sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('tick_lease', ?)", String(now));
	return true;
}

/** Frees the tick lease. */
export function releaseLease(sql: SqlStorage): void {
	sql.exec("DELETE FROM meta WHERE key = 'tick_lease'");
}

/** The output lines (succeeded) and error lines (failed), in input order. */
export function results(sql: SqlStorage, batchId: string): BatchResults {
	const rows = sql
		.exec<{ state: string; result_json: string | null }>(
			"SELECT state, result_json FROM batch_requests WHERE batch_id = ? AND state IN ('succeeded', 'failed') ORDER BY line",
			batchId,
		)
		.toArray();
	return {
		output: rows.filter((r) => r.state === "succeeded" && r.result_json).map((r) => r.result_json ?? ""),
		errors: rows.filter((r) => r.state === "failed" && r.result_json).map((r) => r.result_json ?? ""),
	};
}

/** Ends a batch whose files are written: completed, cancelled (when it was cancelled) or expired. */
export function finalize(
	sql: SqlStorage,
	batchId: string,
	files: { outputFileId: string | null; errorFileId: string | null },
	now: number,
): void {
	const row = sql
		.exec<{ status: string; expired_at: number | null }>("SELECT status, expired_at FROM batches WHERE id = ?", batchId)
		.toArray()[0];
	if (!row || (row.status !== "in_progress" && row.status !== "cancelling")) return;
	const status = row.expired_at !== null ? "expired" : row.status === "cancelling" ? "cancelled" : "completed";
	const column = status === "completed" ? "completed_at" : status === "cancelled" ? "cancelled_at" : "expired_at";
	sql.exec(
		`UPDATE batches SET status = ?, ${column} = ?, finalizing_at = ?, output_file_id = ?, error_file_id = ? WHERE id = ?`,
		status,
		now,
		now,
		files.outputFileId,
		files.errorFileId,
		batchId,
	);
}
