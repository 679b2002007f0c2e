/** Reading BatchStoreDO's rows into records. */
import type { BatchRecord, BatchStatus } from "./contract.js";

/** A `batches` row joined with its request counts. */
export interface BatchRow extends Record<string, SqlStorageValue> {
	id: string;
	endpoint: string;
	input_file_id: string;
	completion_window: string;
	status: string;
	defer: number;
	created_at: number;
	expires_at: number;
	in_progress_at: number | null;
	finalizing_at: number | null;
	completed_at: number | null;
	failed_at: number | null;
	cancelling_at: number | null;
	cancelled_at: number | null;
	expired_at: number | null;
	output_file_id: string | null;
	error_file_id: string | null;
	metadata: string | null;
	total: number;
	completed: number;
	failed: number;
}

/** The SELECT every batch read uses: the row and its counts. */
export const BATCH_SELECT = `SELECT b.*,
	(SELECT count(*) FROM batch_requests r WHERE r.batch_id = b.id) AS total,
	(SELECT count(*) FROM batch_requests r WHERE r.batch_id = b.id AND r.state = 'succeeded') AS completed,
	(SELECT count(*) FROM batch_requests r WHERE r.batch_id = b.id AND r.state = 'failed') AS failed
	FROM batches b`;

/** The record of a row. */
export function toBatchRecord(row: BatchRow, tenantId: string): BatchRecord {
	return {
		id: row.id,
		tenantId,
		endpoint: row.endpoint,
		inputFileId: row.input_file_id,
		completionWindow: row.completion_window,
		status: row.status as BatchStatus,
		defer: row.defer === 1,
		createdAt: row.created_at,
		expiresAt: row.expires_at,
		inProgressAt: row.in_progress_at,
		finalizingAt: row.finalizing_at,
		completedAt: row.completed_at,
		failedAt: row.failed_at,
		cancellingAt: row.cancelling_at,
		cancelledAt: row.cancelled_at,
		expiredAt: row.expired_at,
		outputFileId: row.output_file_id,
		errorFileId: row.error_file_id,
		metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, string>),
		counts: { total: row.total, completed: row.completed, failed: row.failed },
	};
}
