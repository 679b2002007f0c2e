/** OpenAI's batch object, made from BatchStoreDO's record (times in seconds). */
import type { BatchRecord } from "../../durable-objects/batches/contract.js";

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.floor(ms / 1000));

/** The batch object as the API answers it; `arcnet.defer` says whether it waits for clean power. */
export function batchObject(b: BatchRecord) {
	return {
		id: b.id,
		object: "batch" as const,
		endpoint: b.endpoint,
		errors: null,
		input_file_id: b.inputFileId,
		completion_window: b.completionWindow,
		status: b.status,
		output_file_id: b.outputFileId,
		error_file_id: b.errorFileId,
		created_at: seconds(b.createdAt),
		in_progress_at: seconds(b.inProgressAt),
		expires_at: seconds(b.expiresAt),
		finalizing_at: seconds(b.finalizingAt),
		completed_at: seconds(b.completedAt),
		failed_at: seconds(b.failedAt),
		expired_at: seconds(b.expiredAt),
		cancelling_at: seconds(b.cancellingAt),
		cancelled_at: seconds(b.cancelledAt),
		request_counts: b.counts,
		metadata: b.metadata,
		arcnet: { defer: b.defer },
	};
}
