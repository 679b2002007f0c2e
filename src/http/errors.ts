/**
 * The one HTTP error type of the edge. Every refusal, on the client, agent
 * and admin APIs alike, is an ApiError (or a named subclass), so that a single
 * `app.onError` can answer OpenAI's error shape with the right status.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { OpenAIErrorBody } from "../protocol/openai.js";

/** Options shared by every ApiError: OpenAI's `type`, `param`, `code`, and extra headers. */
export interface ApiErrorOptions {
	type?: string;
	param?: string | null;
	code?: string | null;
	headers?: Record<string, string>;
	cause?: unknown;
}

/** An HTTP error that renders as `{"error":{"message","type","param","code"}}`. */
export class ApiError extends HTTPException {
	readonly type: string;
	readonly param: string | null;
	readonly code: string | null;
	readonly headers: Record<string, string>;

	constructor(status: ContentfulStatusCode, message: string, options: ApiErrorOptions = {}) {
		super(status, { message, cause: options.cause });
		this.type = options.type ?? "api_error";
		this.param = options.param ?? null;
		this.code = options.code ?? null;
		this.headers = options.headers ?? {};
	}

	/** The OpenAI-shaped body of this error. */
	toBody(): OpenAIErrorBody {
		return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
	}

	/** A JSON response carrying this error, its status and headers. */
	override getResponse(): Response {
		return Response.json(this.toBody(), { status: this.status, headers: this.headers });
	}
}

/** The ApiError of a refusal that arrives as data, status and body (src/protocol/event-refusal.ts). */
export function refusalError(refusal: { status: ContentfulStatusCode; body: OpenAIErrorBody }): ApiError {
	const { message, type, param, code } = refusal.body.error;
	return new ApiError(refusal.status, message, { type, param, code });
}

/** 400: the request body, path or query is not acceptable. */
export class InvalidRequestError extends ApiError {
	constructor(message: string, param: string | null = null, code: string | null = null) {
		super(400, message, { type: "invalid_request_error", param, code });
	}
}

/** 401: no credentials, or credentials that do not check out. */
export class AuthenticationError extends ApiError {
	constructor(message: string, code = "invalid_api_key") {
		super(401, message, { type: "authentication_error", code });
	}
}

/** 403: the caller is known but not allowed (e.g. a revoked node). */
export class PermissionError extends ApiError {
	constructor(message: string, code: string) {
		super(403, message, { type: "permission_error", code });
	}
}

/** 404: no such route or resource. */
export class NotFoundError extends ApiError {
	constructor(message: string, code = "not_found") {
		super(404, message, { type: "invalid_request_error", code });
	}
}

/** 409: the request conflicts with the current state (e.g. a lease the node does not hold). */
export class ConflictError extends ApiError {
	constructor(message: string, code: string) {
		super(409, message, { type: "invalid_request_error", code });
	}
}

/** 503: no zone can take the job now; `retryAfterS` becomes the Retry-After header. */
export class NoCapacityError extends ApiError {
	constructor(message: string, retryAfterS: number) {
		super(503, message, {
			type: "service_unavailable",
			code: "no_capacity",
			headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterS))) },
		});
	}
}

/** 429: every zone that serves the model refused the job with a full queue; `retryAfterS` becomes Retry-After. */
export class QueuesFullError extends ApiError {
	constructor(message: string, retryAfterS: number) {
		super(429, message, {
			type: "rate_limit_error",
			code: "queue_full",
			headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterS))) },
		});
	}
}

/** 502: the job failed upstream (on the node or its backend) before any output. */
export class UpstreamError extends ApiError {
	constructor(message: string, code: string, status: 502 | 503 = 502) {
		super(status, message, { type: "upstream_error", code });
	}
}
