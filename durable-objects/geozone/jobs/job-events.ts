/**
 * Applies a node's posted job events (output, completion, failure) under its
 * lease. Posts are retried by agents, so events already applied (seq below
 * the next expected) are skipped rather than refused: output never doubles.
 */
import type { JobEvent } from "../../../src/protocol/agent-wire.js";
import type { PostEventsInput, PostEventsResult } from "../contract.js";
import type { ZoneState } from "../zone-state.js";
import { dispatchQueued } from "./dispatch.js";
import { appendOutput, discardOutput } from "./job-output-store.js";
import { getJob, isTerminal, type JobRow } from "./job-queue.js";
import { failJob, holdForReader, requeueJob, succeedJob } from "./job-transitions.js";
import { recordTtft } from "./moving-averages.js";

/** What applying events reads of a job's row: everything but the request, which they never need. */
type EventJobRow = Omit<JobRow, "request">;

const EVENT_COLUMNS = `job_id, tenant_id, model, stream, status, attempts, lease_id, node_id, lease_expires_at, next_seq,
	has_output, received_at, leased_at, first_token_at, finished_at, prompt_tokens, completion_tokens, finish_reason,
	error_code, error_message, routing, history_pending, est_energy_j, est_gco2, est_gpu_class, measured_energy_j, kind, api_key_id,
	webhook_url, webhook_secret, webhook_status, webhook_attempts, webhook_next_at, expires_at`;

/** How a batch of events left the job: still running, succeeded (its row fully written), or ended another way. */
type Outcome = "running" | "succeeded" | "ended";

/** Validates sequence and lease, then applies the new events in order. */
export function applyJobEvents(state: ZoneState, input: PostEventsInput): PostEventsResult {
	const row = state.sql
		.exec<EventJobRow>(`SELECT ${EVENT_COLUMNS} FROM jobs WHERE job_id = ?`, input.jobId)
		.toArray()[0];
	if (!row) return { ok: false, reason: "job_not_found", message: `jobId: ${input.jobId} is not known to this zone` };
	if (row.node_id !== input.nodeId || row.lease_id !== input.leaseId) {
		return {
			ok: false,
			reason: "lease_not_held",
			message: `leaseId: ${input.leaseId} of node ${input.nodeId} does not hold job ${input.jobId}`,
		};
	}
	const fresh = input.events.filter((event) => event.seq >= row.next_seq);
	const gap = fresh.findIndex((event, i) => event.seq !== row.next_seq + i);
	if (gap >= 0) {
		const got = fresh[gap]?.seq;
		return {
			ok: false,
			reason: "bad_sequence",
			message: `events[].seq: expected ${row.next_seq + gap} next, got ${got} (number)`,
		};
	}
	if (isTerminal(row.status)) {
		// A late or retried post after the end: answer it, apply nothing.
		return {
			ok: true,
			leaseExpiresAt: row.lease_expires_at ?? state.now(),
			cancelled: row.status !== "succeeded" || fresh.length > 0,
		};
	}
	const batch = new EventBatch(state, row);
	let applied = 0;
	let outcome: Outcome = "running";
	for (const event of fresh) {
		applied++;
		outcome = batch.apply(event, row.next_seq + applied);
		if (outcome !== "running") break;
	}
	const cutShort = fresh.length > applied;
	const leaseExpiresAt = state.now() + state.config.leaseMs;
	if (outcome === "succeeded") {
		// succeedJob stored next_seq with the job's end; the lease keeps its expiry, as the job no longer runs.
		return { ok: true, leaseExpiresAt: row.lease_expires_at ?? leaseExpiresAt, cancelled: cutShort };
	}
	state.sql.exec(
		`UPDATE jobs SET next_seq = ?,
		   lease_expires_at = CASE WHEN status IN ('leased', 'running') AND finish_reason IS NULL THEN ? ELSE lease_expires_at END
		 WHERE job_id = ? AND lease_id = ?`,
		row.next_seq + applied,
		leaseExpiresAt,
		input.jobId,
		input.leaseId,
	);
	// Only deltas: the job runs on under the renewed lease. Otherwise its row says what became of it.
	if (outcome === "running") return { ok: true, leaseExpiresAt, cancelled: false };
	const after = getJob(state.sql, input.jobId);
	return {
		ok: true,
		leaseExpiresAt: after?.lease_id === input.leaseId ? (after.lease_expires_at ?? leaseExpiresAt) : state.now(),
		cancelled: after?.status === "cancelled" || cutShort,
	};
}

/** Applies one post's events to a job, writing its running state once however many deltas the post holds. */
class EventBatch {
	#running: boolean;
	#hasFirstToken: boolean;

	constructor(
		private readonly state: ZoneState,
		private readonly row: EventJobRow,
	) {
		this.#running = row.status === "running" && row.has_output === 1;
		this.#hasFirstToken = row.first_token_at !== null;
	}

	/** Applies the event; `nextSeq` is the job's next expected seq once it is applied. */
	apply(event: JobEvent, nextSeq: number): Outcome {
		const { state, row } = this;
		switch (event.type) {
			case "delta": {
				if (event.text.length === 0 && event.chunk === undefined) return "running";
				if (!this.#running) {
					const now = state.now();
					state.sql.exec(
						"UPDATE jobs SET status = 'running', has_output = 1, first_token_at = coalesce(first_token_at, ?) WHERE job_id = ?",
						now,
						row.job_id,
					);
					if (!this.#hasFirstToken && row.leased_at !== null) recordTtft(state, now - row.leased_at);
					this.#running = true;
					this.#hasFirstToken = true;
				}
				appendOutput(state.sql, row.job_id, event.seq, event.text, event.chunk);
				state.streams.send(row.job_id, {
					type: "delta",
					text: event.text,
					...(event.chunk ? { chunk: event.chunk } : {}),
				});
				return "running";
			}
			case "done":
				// An unstreamed answer arrives whole: the response is the job's first output.
				if (!this.#hasFirstToken && event.response !== undefined) {
					const now = state.now();
					state.sql.exec(
						"UPDATE jobs SET first_token_at = coalesce(first_token_at, ?) WHERE job_id = ?",
						now,
						row.job_id,
					);
					if (row.leased_at !== null) recordTtft(state, now - row.leased_at);
					this.#hasFirstToken = true;
				}
				if (row.kind === "sync" && !state.streams.has(row.job_id)) {
					holdForReader(state, row.job_id, event.finishReason, event.usage, event.energyJ ?? null, event.response);
					return "ended";
				}
				succeedJob(state, row, event.finishReason, event.usage, nextSeq, event.energyJ ?? null, event.response);
				return "succeeded";
			case "error": {
				const hasOutput = this.#running || getJob(state.sql, row.job_id)?.has_output === 1;
				// An async job's partial output reached nobody, so it may start over like one without output.
				if (event.retryable && hasOutput && row.kind === "async") discardOutput(state.sql, row.job_id);
				if (event.retryable && (!hasOutput || row.kind === "async")) {
					if (requeueJob(state, row.job_id, true, `${event.code}: ${event.message}`) === "queued")
						dispatchQueued(state);
				} else {
					failJob(state, row.job_id, "failed", event.code, event.message);
				}
				return "ended";
			}
		}
	}
}
