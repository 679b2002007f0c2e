/**
 * Leasing: handing queued jobs to a node under a fresh lease id and expiry,
 * renewing leases, and taking back the ones that lapsed.
 */
import type { LeasedJob } from "../../../src/protocol/agent-wire.js";
import { markFlushDue, type ZoneState } from "../zone-state.js";
import { discardOutput } from "./job-output-store.js";
import { getJob, holdsLease, type JobRow, jobRequest, type QueuedJob } from "./job-queue.js";
import { failJob, requeueJob } from "./job-transitions.js";
import { recordQueueWait } from "./moving-averages.js";

const LEASE_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A fresh lease id: `lease_` and 24 random lowercase alphanumerics. */
export function newLeaseId(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(24));
	let id = "lease_";
	for (const byte of bytes) id += LEASE_ID_ALPHABET[byte % LEASE_ID_ALPHABET.length];
	return id;
}

/** Leases the given queued jobs to a node and announces it on each job's stream. */
export function leaseJobs(state: ZoneState, nodeId: string, rows: readonly QueuedJob[]): LeasedJob[] {
	const now = state.now();
	const leaseExpiresAt = now + state.config.leaseMs;
	const leased: LeasedJob[] = [];
	for (const row of rows) {
		const leaseId = newLeaseId();
		const attempt = row.attempts + 1;
		state.sql.exec(
			`UPDATE jobs SET status = 'leased', attempts = ?, lease_id = ?, node_id = ?, lease_expires_at = ?,
			   leased_at = ?, next_seq = 0 WHERE job_id = ? AND status = 'queued'`,
			attempt,
			leaseId,
			nodeId,
			leaseExpiresAt,
			now,
			row.job_id,
		);
		// Only a first lease measures the queue: a retry's wait includes the failed attempt.
		if (attempt === 1) recordQueueWait(state, now - row.received_at);
		state.streams.send(row.job_id, { type: "assigned", nodeId, attempt });
		leased.push({
			jobId: row.job_id,
			leaseId,
			leaseExpiresAt,
			attempt,
			model: row.model,
			request: jobRequest(row),
			...(row.traceparent ? { traceparent: row.traceparent } : {}),
		});
	}
	if (leased.length > 0) markFlushDue(state);
	return leased;
}

/** Extends a lease the node holds; returns the new expiry, or null if it does not hold it. */
export function renewLease(state: ZoneState, nodeId: string, jobId: string, leaseId: string): number | null {
	const row = getJob(state.sql, jobId);
	// A finished job waiting for its reader (holdForReader) has no lease left to renew.
	if (!row || !holdsLease(row, nodeId, leaseId) || row.finish_reason !== null) return null;
	const expiresAt = state.now() + state.config.leaseMs;
	state.sql.exec("UPDATE jobs SET lease_expires_at = ? WHERE job_id = ?", expiresAt, jobId);
	return expiresAt;
}

/** When the next lease lapses, or null. */
export function nextLeaseExpiry(state: ZoneState): number | null {
	const row = state.sql
		.exec<{ at: number | null }>("SELECT min(lease_expires_at) AS at FROM jobs WHERE status IN ('leased', 'running')")
		.one();
	return row.at;
}

/**
 * Takes back every lapsed lease: jobs with no output are queued again (the
 * attempt counts); sync jobs that already streamed output end `expired`, with
 * an error event, because a client's stream cannot be resumed elsewhere. An
 * async job's partial output reached nobody, so it is discarded and the job
 * queued again like one without output.
 */
export function expireLeases(state: ZoneState): { requeued: string[]; ended: string[] } {
	const lapsed = state.sql
		.exec<JobRow>(
			"SELECT * FROM jobs WHERE status IN ('leased', 'running') AND lease_expires_at <= ? ORDER BY seqno",
			state.now(),
		)
		.toArray();
	const requeued: string[] = [];
	const ended: string[] = [];
	for (const row of lapsed) {
		if (row.has_output === 1 && row.kind === "async") {
			// Nobody has seen an async job's partial output: drop it and run the job again from the start.
			discardOutput(state.sql, row.job_id);
			if (requeueJob(state, row.job_id, true, "lease_expired after partial output") === "queued") {
				requeued.push(row.job_id);
			} else {
				ended.push(row.job_id);
			}
		} else if (row.has_output === 1) {
			failJob(state, row.job_id, "expired", "lease_expired", `node ${row.node_id} stopped renewing its lease`);
			ended.push(row.job_id);
		} else if (requeueJob(state, row.job_id, true, "lease_expired") === "queued") {
			requeued.push(row.job_id);
		} else {
			ended.push(row.job_id);
		}
	}
	if (lapsed.length > 0) markFlushDue(state);
	return { requeued, ended };
}
