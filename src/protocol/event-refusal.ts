/**
 * The HTTP answer to a refused job event post, shared by
 * POST /agent/v1/jobs/:jobId/events and the agent channel (ADR 0010), so
 * both transports refuse alike: 404 job_not_found, 409 lease_not_held,
 * 409 bad_sequence.
 */
import type { PostEventsResult } from "../../durable-objects/geozone/contract.js";
import { type ApiError, ConflictError, NotFoundError } from "../http/errors.js";

export function eventsRefusal(result: Extract<PostEventsResult, { ok: false }>): ApiError {
	switch (result.reason) {
		case "job_not_found":
			return new NotFoundError(result.message, "job_not_found");
		case "lease_not_held":
			return new ConflictError(result.message, "lease_not_held");
		default:
			return new ConflictError(result.message, "bad_sequence");
	}
}
