/**
 * The job-facing operations of a zone: accept a job (or refuse it without
 * writing anything), cancel it, and react when its reader goes away.
 */
import type { SubmitJobInput, SubmitJobResult } from "../contract.js";
import { hasLiveNodeFor } from "../nodes/node-table.js";
import { markFlushDue, type ZoneState } from "../zone-state.js";
import { dispatchQueued, settleFresh, takeFresh } from "./dispatch.js";
import { jobDeadlines, noteDeadline } from "./job-deadlines.js";
import { assertNewJobId, insertJob, queueDepth, submittedEndpoint } from "./job-queue.js";
import { cancelJob } from "./job-transitions.js";

/** Suggested wait before a router retries a zone with no node for the model. */
export const NO_LIVE_NODE_RETRY_MS = 5_000;
/** Suggested wait before a router retries a full zone. */
export const QUEUE_FULL_RETRY_MS = 1_000;

/**
 * Accepts a job once it is written to SQLite (the answer leaves only once the
 * row is committed), opens its output stream and dispatches it at once to a
 * waiting poll: to an empty queue, a channel poll is sent the job before the
 * row is written (dispatch.ts, takeFresh). Refusals write nothing.
 */
export function submitJob(state: ZoneState, input: SubmitJobInput): SubmitJobResult {
	// A node with a poll open for the model's endpoint is live: only without one is the node table asked.
	const endpoint = submittedEndpoint(input);
	const polled = state.waiters.serves(input.model, endpoint);
	if (!polled && !hasLiveNodeFor(state, input.model, endpoint)) {
		return { accepted: false, reason: "no_live_node", retryAfterMs: NO_LIVE_NODE_RETRY_MS };
	}
	const depth = queueDepth(state.sql);
	if (depth >= state.config.maxQueueDepth) {
		return { accepted: false, reason: "queue_full", retryAfterMs: QUEUE_FULL_RETRY_MS };
	}
	const deadlines = jobDeadlines(state.config, input);
	noteDeadline(state, deadlines);
	const open = () =>
		state.streams.open(input.jobId, (jobId) => {
			if (cancelJob(state, jobId, "the client went away")) state.afterBackgroundChange();
		});
	if (depth > 0) {
		insertJob(state.sql, input, undefined, deadlines);
		markFlushDue(state);
		const stream = open();
		dispatchQueued(state);
		return { accepted: true, stream, assigned: null };
	}
	// The job is the whole queue. A waiting poll takes it before its stream opens, so the
	// assignment travels in this answer instead of as a chunk of its own on the stream. A reused
	// id is refused before any node is sent the job (the insert would refuse it only after).
	if (polled) assertNewJobId(state.sql, input.jobId);
	const fresh = takeFresh(state, input, endpoint);
	try {
		insertJob(state.sql, input, fresh?.lease, deadlines);
	} catch (error) {
		// Nothing was written: the poll that took the job ends empty (a node sent it finds no such job).
		fresh?.waiter.resolve([]);
		throw error;
	}
	markFlushDue(state);
	if (fresh) settleFresh(state, fresh, input.receivedAt);
	return { accepted: true, stream: open(), assigned: fresh ? { nodeId: fresh.lease.nodeId, attempt: 1 } : null };
}

/** Cancels a queued or leased job; returns false when it is unknown or already finished. */
export function cancelJobById(state: ZoneState, jobId: string): boolean {
	return cancelJob(state, jobId, "cancelled by the client");
}
