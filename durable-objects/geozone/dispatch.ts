/**
 * Dispatch: hands queued jobs to nodes blocked in a long-poll the moment the
 * jobs exist, so there is no server-side polling interval.
 */
import { nextQueued, queuedModels } from "./job-queue.js";
import { leaseJobs } from "./leases.js";
import { markSeen } from "./node-table.js";
import type { ZoneState } from "./zone-state.js";

/** Leases queued jobs to waiting polls, oldest job and oldest poll first. Returns the jobs leased. */
export function dispatchQueued(state: ZoneState): number {
	let leased = 0;
	for (const model of queuedModels(state.sql)) {
		while (nextQueued(state.sql, [model], 1).length > 0) {
			const waiter = state.waiters.takeFor(model);
			if (!waiter) break;
			const jobs = leaseJobs(state, waiter.nodeId, nextQueued(state.sql, [...waiter.models], waiter.maxJobs));
			// The poll ends now: the node was connected until this moment.
			markSeen(state, waiter.nodeId);
			leased += jobs.length;
			waiter.resolve(jobs);
		}
	}
	return leased;
}
