/**
 * Dispatch: hands queued jobs to the oldest open polls that serve their
 * models on their endpoints, the moment both exist (no polling interval on the server side); a
 * fresh job goes to the open poll on the cleanest power first.
 */
import type { InferenceRequest, LeasedJob } from "../../../src/protocol/agent-wire.js";
import type { OpenAiEndpoint } from "../../../src/protocol/model-serving.js";
import type { SubmitJobInput } from "../contract.js";
import { markSeen } from "../nodes/node-table.js";
import type { Waiter } from "../nodes/waiters.js";
import { markFlushDue, type ZoneState } from "../zone-state.js";
import { type FirstLease, hasQueued, markQueueEmpty, nextQueued, type QueuedJob, queuedKinds } from "./job-queue.js";
import { leaseJobs, newLeaseId } from "./leases.js";
import { recordQueueWait } from "./moving-averages.js";
import { routingFigures } from "./routing-record.js";

/** Leases queued jobs to waiting polls, oldest job and oldest poll first; returns how many were leased. */
export function dispatchQueued(state: ZoneState): number {
	// No open poll: nothing can be handed out, and the queue need not be read.
	if (state.waiters.size === 0) return 0;
	let leased = 0;
	for (const { model, endpoint } of queuedKinds(state.sql)) {
		// An earlier poll may have taken these jobs along with its own model's.
		if (leased > 0 && !hasQueued(state.sql, model, endpoint)) continue;
		for (;;) {
			const waiter = state.waiters.takeFor(model, endpoint);
			if (!waiter) break;
			const jobs = answer(state, waiter, nextQueued(state.sql, waiter.served, waiter.maxJobs));
			leased += jobs;
			// A poll that got fewer than it asked for took every queued job it serves, these included.
			if (jobs < waiter.maxJobs || !hasQueued(state.sql, model, endpoint)) break;
		}
	}
	return leased;
}

/** A job not written yet that an open poll took: the lease its node was sent, and that poll. */
export interface FreshLease {
	waiter: Waiter;
	job: LeasedJob;
	lease: FirstLease;
}

/**
 * Hands a job that is not written yet, submitted to a queue that holds
 * nothing else, to the oldest open poll serving its model, and sends a
 * channel poll's answer at once. It leaves before anything of the job is
 * written: a message sent after a write waits on the output gate until the
 * write is committed, so the node starts while the row commits instead of
 * after. The caller then writes the job under this lease (insertJob) and
 * settles the poll (settleFresh). Nothing is promised until then: the
 * client's acceptance is submit's answer, which leaves only once the row is
 * committed. Were the write lost (the object failed first), the node's events
 * would find no such job and it would stop; the Worker, whose submit failed,
 * tries the next zone. Returns null when no open poll takes the job.
 */
export function takeFresh(
	state: Pick<ZoneState, "waiters" | "now" | "config">,
	job: Pick<SubmitJobInput, "jobId" | "model" | "requestJson"> &
		Partial<Pick<SubmitJobInput, "routingJson" | "traceparent">>,
	endpoint: OpenAiEndpoint,
): FreshLease | null {
	// Among open polls, a node on declared clean power goes first (waiters.ts, takeFor).
	const grid = job.routingJson === undefined ? null : routingFigures(job.routingJson).zoneGridGco2PerKwh;
	for (;;) {
		const waiter = state.waiters.takeFor(job.model, endpoint, grid);
		if (!waiter) return null;
		const leasedAt = state.now();
		const lease: FirstLease = {
			nodeId: waiter.nodeId,
			leaseId: newLeaseId(),
			leaseExpiresAt: leasedAt + state.config.leaseMs,
			leasedAt,
		};
		const leased: LeasedJob = {
			jobId: job.jobId,
			leaseId: lease.leaseId,
			leaseExpiresAt: lease.leaseExpiresAt,
			attempt: 1,
			model: job.model,
			request: JSON.parse(job.requestJson) as InferenceRequest,
			...(job.traceparent ? { traceparent: job.traceparent } : {}),
		};
		if (!waiter.sendNow || waiter.sendNow([leased])) return { waiter, job: leased, lease };
		// The poll's socket closed: that poll ends empty, and the next one may take the job.
		waiter.resolve([]);
	}
}

/** Once the fresh job is written under its lease: the lease's bookkeeping, then the poll's answer (an HTTP poll's). */
export function settleFresh(state: ZoneState, fresh: FreshLease, receivedAt: number): void {
	recordQueueWait(state, fresh.lease.leasedAt - receivedAt);
	// The poll ends now: the node was connected until this moment.
	markSeen(state, fresh.waiter.nodeId);
	markFlushDue(state);
	markQueueEmpty(state.sql);
	fresh.waiter.resolve([fresh.job]);
}

function answer(state: ZoneState, waiter: Waiter, rows: readonly QueuedJob[]): number {
	const jobs = leaseJobs(state, waiter.nodeId, rows);
	// The poll ends now: the node was connected until this moment.
	markSeen(state, waiter.nodeId);
	waiter.resolve(jobs);
	return jobs.length;
}
