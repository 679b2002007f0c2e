/**
 * Applies a node's posted job events (output, completion, failure) under its
 * lease. Posts are retried by agents, so events already applied (seq below
 * the next expected) are skipped rather than refused: output never doubles.
 */
import type { JobEvent } from "../../src/protocol/agent-wire.js";
import type { PostEventsInput, PostEventsResult } from "./contract.js";
import { dispatchQueued } from "./dispatch.js";
import { appendOutput, discardOutput } from "./job-output-store.js";
import { getJob, isTerminal, type JobRow } from "./job-queue.js";
import { failJob, holdForReader, requeueJob, succeedJob } from "./job-transitions.js";
import { recordTtft } from "./moving-averages.js";
import type { ZoneState } from "./zone-state.js";

/** Validates sequence and lease, then applies the new events in order. */
export function applyJobEvents(state: ZoneState, input: PostEventsInput): PostEventsResult {
	const row = getJob(state.sql, input.jobId);
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
	let applied = 0;
	let ended = false;
	for (const event of fresh) {
		applied++;
		if (applyOne(state, row, event) === "ended") {
			ended = true;
			break;
		}
	}
	const leaseExpiresAt = state.now() + state.config.leaseMs;
	state.sql.exec(
		`UPDATE jobs SET next_seq = ?,
		   lease_expires_at = CASE WHEN status IN ('leased', 'running') AND finish_reason IS NULL THEN ? ELSE lease_expires_at END
		 WHERE job_id = ? AND lease_id = ?`,
		row.next_seq + applied,
		leaseExpiresAt,
		input.jobId,
		input.leaseId,
	);
	const after = getJob(state.sql, input.jobId);
	return {
		ok: true,
		leaseExpiresAt: after?.lease_id === input.leaseId ? (after.lease_expires_at ?? leaseExpiresAt) : state.now(),
		cancelled: after?.status === "cancelled" || (ended && fresh.length > applied),
	};
}

function applyOne(state: ZoneState, row: JobRow, event: JobEvent): "continue" | "ended" {
	switch (event.type) {
		case "delta": {
			if (event.text.length === 0) return "continue";
			const now = state.now();
			const first = state.sql.exec(
				"UPDATE jobs SET first_token_at = ? WHERE job_id = ? AND first_token_at IS NULL",
				now,
				row.job_id,
			).rowsWritten;
			if (first > 0 && row.leased_at !== null) recordTtft(state, now - row.leased_at);
			state.sql.exec("UPDATE jobs SET status = 'running', has_output = 1 WHERE job_id = ?", row.job_id);
			appendOutput(state.sql, row.job_id, event.seq, event.text);
			state.streams.send(row.job_id, { type: "delta", text: event.text });
			return "continue";
		}
		case "done":
			if (row.kind === "sync" && !state.streams.has(row.job_id)) {
				holdForReader(state, row.job_id, event.finishReason, event.usage);
			} else {
				succeedJob(state, row.job_id, event.finishReason, event.usage);
			}
			return "ended";
		case "error": {
			const hasOutput = getJob(state.sql, row.job_id)?.has_output === 1;
			// An async job's partial output reached nobody, so it may start over like one without output.
			if (event.retryable && hasOutput && row.kind === "async") discardOutput(state.sql, row.job_id);
			if (event.retryable && (!hasOutput || row.kind === "async")) {
				if (requeueJob(state, row.job_id, true, `${event.code}: ${event.message}`) === "queued") dispatchQueued(state);
			} else {
				failJob(state, row.job_id, "failed", event.code, event.message);
			}
			return "ended";
		}
	}
}
