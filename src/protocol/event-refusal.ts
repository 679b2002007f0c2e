/**
 * The agent API's answer to a refused job event post, as plain data (status
 * and OpenAI-shaped body), shared by POST /agent/v1/jobs/:jobId/events and
 * the zone's end of the agent channel (ADR 0010), so both transports refuse
 * alike: 404 job_not_found, 409 lease_not_held, 409 bad_sequence.
 */
import type { OpenAIErrorBody } from "./openai.js";

/** Why the zone refused a post (the `reason` of a refused PostEventsResult). */
export type EventsRefusalReason = "job_not_found" | "lease_not_held" | "bad_sequence";

/** An agent API refusal: the HTTP status and the body both transports answer. */
export interface AgentRefusal {
	status: 400 | 404 | 409;
	body: OpenAIErrorBody;
}

/** The refusal of an event post the zone turned down. */
export function eventsRefusal(result: { reason: EventsRefusalReason; message: string }): AgentRefusal {
	return {
		status: result.reason === "job_not_found" ? 404 : 409,
		body: { error: { message: result.message, type: "invalid_request_error", param: null, code: result.reason } },
	};
}
