/**
 * Maps a job's terminal error (reported by a node or by the zone) to the
 * HTTP status and OpenAI error type a client sees. Errors the client caused
 * (context too long, invalid request) are 4xx; a passed deadline is 504
 * `timeout`; the rest are 502/503.
 */

import { ApiError } from "../http/errors.js";
import type { JobErrorEvent } from "../protocol/job-stream-reader.js";
import type { OpenAIErrorBody } from "../protocol/openai.js";

type JobError = JobErrorEvent;

const STATUS_BY_CODE: Record<JobError["code"], 400 | 404 | 499 | 502 | 503 | 504> = {
	context_length_exceeded: 400,
	invalid_request: 400,
	model_not_found: 404,
	cancelled: 499,
	no_capacity: 503,
	backend_overloaded: 503,
	shutdown: 503,
	lease_expired: 503,
	max_attempts: 503,
	backend_unreachable: 502,
	backend_error: 502,
	timeout: 504,
};

/** Retry-After (seconds) of a 503 `no_capacity`: the last zone that could serve the job lost its nodes. */
const NO_CAPACITY_RETRY_AFTER_S = 5;

/** The ApiError a client gets for a job that failed before any output. */
export function jobErrorToApiError(event: JobError): ApiError {
	const status = STATUS_BY_CODE[event.code] ?? 502;
	if (event.code === "timeout") return new ApiError(504, event.message, { type: "timeout", code: "timeout" });
	const type = status < 500 && status !== 499 ? "invalid_request_error" : "upstream_error";
	const headers: Record<string, string> =
		event.code === "no_capacity" ? { "retry-after": String(NO_CAPACITY_RETRY_AFTER_S) } : {};
	return new ApiError(status === 499 ? 502 : status, event.message, { type, code: event.code, headers });
}

/** The OpenAI error body for a failure after output started (sent as an SSE event). */
export function jobErrorBody(event: JobError): OpenAIErrorBody {
	return jobErrorToApiError(event).toBody();
}
