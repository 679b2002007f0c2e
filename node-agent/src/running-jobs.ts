/**
 * The jobs the agent holds, keyed by lease id. A job that failed retryably is
 * often leased straight back to this node as its next attempt while the first
 * attempt is still posting its error; keyed by job id, the second lease looked
 * like the first and was dropped, and its client waited for the lease to
 * lapse. Each lease is its own entry; the edge's per-job answers (renewals,
 * cancellations) apply to the newest attempt of a job.
 */
import type { RunningJob } from "./job-runner.js";

export class RunningJobs {
	private readonly byLease = new Map<string, RunningJob>();

	/** How many leases are held (each takes a slot until its runner returns). */
	get size(): number {
		return this.byLease.size;
	}

	/** Adds a job under its lease; false when that lease is already held (the same claim delivered twice). */
	add(running: RunningJob): boolean {
		if (this.byLease.has(running.job.leaseId)) return false;
		this.byLease.set(running.job.leaseId, running);
		return true;
	}

	/** Forgets one lease; a newer attempt of the same job stays. */
	delete(running: RunningJob): void {
		if (this.byLease.get(running.job.leaseId) === running) this.byLease.delete(running.job.leaseId);
	}

	values(): IterableIterator<RunningJob> {
		return this.byLease.values();
	}

	/**
	 * The newest attempt of each job, by job id: what telemetry reports and what
	 * the edge's answer, keyed by job id, applies to. An older attempt is
	 * finishing its last post; its lease is already gone at the edge.
	 */
	current(): Map<string, RunningJob> {
		const jobs = new Map<string, RunningJob>();
		for (const r of this.byLease.values()) {
			const known = jobs.get(r.job.jobId);
			if (!known || r.job.attempt >= known.job.attempt) jobs.set(r.job.jobId, r);
		}
		return jobs;
	}
}
