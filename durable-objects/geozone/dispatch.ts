/**
 * Dispatch: hands queued jobs to the oldest open polls that serve their
 * models, the moment both exist (no polling interval on the server side).
 */
import { hasQueued, markQueueEmpty, nextQueued, type QueuedJob, queuedModels } from "./job-queue.js";
import { leaseJobs } from "./leases.js";
import { markSeen } from "./node-table.js";
import type { Waiter } from "./waiters.js";
import type { ZoneState } from "./zone-state.js";

/** Leases queued jobs to waiting polls, oldest job and oldest poll first; returns how many were leased. */
export function dispatchQueued(state: ZoneState): number {
	// No open poll: nothing can be handed out, and the queue need not be read.
	if (state.waiters.size === 0) return 0;
	let leased = 0;
	for (const model of queuedModels(state.sql)) {
		// An earlier poll may have taken this model's jobs along with its own model's.
		if (leased > 0 && !hasQueued(state.sql, model)) continue;
		for (;;) {
			const waiter = state.waiters.takeFor(model);
			if (!waiter) break;
			const jobs = answer(state, waiter, nextQueued(state.sql, [...waiter.models], waiter.maxJobs));
			leased += jobs;
			// A poll that got fewer than it asked for took every queued job of its models, this one included.
			if (jobs < waiter.maxJobs || !hasQueued(state.sql, model)) break;
		}
	}
	return leased;
}

/**
 * Dispatches a job just written to a queue that held nothing else: the job is
 * the whole queue, so the oldest poll serving its model takes it without
 * reading the queue back. Returns the node that took it, or null.
 */
export function dispatchOnly(state: ZoneState, job: QueuedJob): string | null {
	const waiter = state.waiters.takeFor(job.model);
	if (!waiter) return null;
	answer(state, waiter, [job]);
	markQueueEmpty(state.sql);
	return waiter.nodeId;
}

function answer(state: ZoneState, waiter: Waiter, rows: readonly QueuedJob[]): number {
	const jobs = leaseJobs(state, waiter.nodeId, rows);
	// The poll ends now: the node was connected until this moment.
	markSeen(state, waiter.nodeId);
	waiter.resolve(jobs);
	return jobs.length;
}
