/**
 * Re-attaching a reader to a job whose output stream broke: the object was
 * evicted or restarted (its in-memory writers vanished) while the Worker's
 * client was still connected. The job's deltas are in SQLite (job-output-store),
 * so a fresh stream replays the ones the Worker has not relayed yet and then
 * carries the live output, or the terminal event when the job already ended.
 */
import type { JobStreamErrorCode, JobStreamEvent } from "../../../src/protocol/job-stream.js";
import type { JsonObject } from "../../../src/protocol/json-value.js";
import type { ResumeJobInput, ResumeJobResult } from "../contract.js";
import type { ZoneState } from "../zone-state.js";
import { energySourceOf } from "./job-energy.js";
import { readOutput } from "./job-output-store.js";
import { getJob, isTerminal, type JobRow } from "./job-queue.js";
import { awaitsReader, cancelJob, succeedJob } from "./job-transitions.js";

/**
 * Opens a new stream for the job: `assigned` (when a node holds it), the stored
 * deltas after the first `skipDeltas`, then live events, or at once the
 * terminal event of a finished job. Reading and registering happen with no
 * await in between, so no delta can fall between the replay and the live part.
 */
export function resumeJob(state: ZoneState, input: ResumeJobInput): ResumeJobResult {
	const row = getJob(state.sql, input.jobId);
	if (!row) {
		return { found: false, reason: "job_not_found", message: `jobId: ${input.jobId} is not known to this zone` };
	}
	const stream = state.streams.open(input.jobId, (jobId) => {
		// An async job has no client on a stream: a reader leaving says nothing about it.
		if (row.kind === "sync" && cancelJob(state, jobId, "the client went away")) state.afterBackgroundChange();
	});
	if (!isTerminal(row.status) && row.node_id !== null) {
		state.streams.send(input.jobId, { type: "assigned", nodeId: row.node_id, attempt: row.attempts });
	}
	for (const delta of readOutput(state.sql, input.jobId, input.skipDeltas)) {
		state.streams.send(input.jobId, { type: "delta", ...delta });
	}
	if (isTerminal(row.status)) state.streams.close(input.jobId, terminalEvent(row));
	else if (awaitsReader(row)) {
		// It finished while nobody read it: now somebody does, so it succeeds and the stream ends with done.
		const usage = { prompt_tokens: row.prompt_tokens ?? 0, completion_tokens: row.completion_tokens ?? 0 };
		succeedJob(state, row, row.finish_reason ?? "stop", usage, undefined, row.measured_energy_j, storedResponse(row));
	}
	return { found: true, stream };
}

/** The event that ended a finished job's stream, rebuilt from its row. */
export function terminalEvent(row: JobRow): JobStreamEvent {
	if (row.status === "succeeded") {
		const usage = { prompt_tokens: row.prompt_tokens ?? 0, completion_tokens: row.completion_tokens ?? 0 };
		const estimate =
			row.est_gco2 !== null && row.est_energy_j !== null
				? {
						energyJ: row.est_energy_j,
						gco2: row.est_gco2,
						gpuClass: row.est_gpu_class ?? "unknown",
						energySource: energySourceOf(row),
					}
				: undefined;
		const response = storedResponse(row);
		return {
			type: "done",
			finishReason: row.finish_reason ?? "stop",
			usage,
			...(response ? { response } : {}),
			...(estimate ? { estimate } : {}),
		};
	}
	return {
		type: "error",
		code: (row.error_code ?? "backend_error") as JobStreamErrorCode,
		message: row.error_message ?? `the job ended ${row.status}`,
	};
}

/** The backend response stored with an unstreamed job, if it has one. */
function storedResponse(row: Pick<JobRow, "response">): JsonObject | undefined {
	return row.response === null ? undefined : (JSON.parse(row.response) as JsonObject);
}
