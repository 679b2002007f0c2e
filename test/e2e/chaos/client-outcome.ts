/**
 * What one chaos client saw, in a shape the checks and the report share.
 * Kept apart from the clients so that the verifier does not depend on how
 * the requests were made.
 */
import type { JobKind } from "./workload.js";

/** How a client request ended, from the client's side. */
export type ClientResult =
	/** The full answer arrived (200 JSON, a stream that ended with [DONE], or an async job that succeeded). */
	| "succeeded"
	/** The edge answered with an error (HTTP status, an error event in the stream, or a failed async job). */
	| "error"
	/** The connection broke after the request may have reached the edge; a sync request is not re-sent. */
	| "broken"
	/** Never accepted: 503/429 no_capacity after every retry, or the edge refused connections until the deadline. */
	| "refused";

/** One client request's outcome. */
export interface ClientOutcome {
	index: number;
	tag: string;
	kind: JobKind;
	result: ClientResult;
	/** The edge's job id: x-arcnet-job-id for sync, the final chunk's arcnet.job_id for stream, the async job's id. */
	jobId?: string;
	/** The answer's text (message content, or the stream's deltas joined). */
	content?: string;
	/** The stream's content deltas in order (stream only). */
	deltas?: string[];
	/** HTTP status of the answer (the POST's, or the last GET's for async). */
	status?: number;
	/** The error's code (OpenAI shape), or a transport cause such as ECONNRESET. */
	errorCode?: string;
	errorMessage?: string;
	/** Requests re-sent because the edge refused the connection or had no capacity (nothing was accepted). */
	resends: number;
	/** Async status reads that failed on the transport and were retried. */
	pollRetries: number;
	/** When the client started and ended, in ms since the epoch (to name the chaos events it lived through). */
	startedAt: number;
	endedAt: number;
}
