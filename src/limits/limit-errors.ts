/**
 * The 429 of a refused request, in OpenAI's error shape, naming the limit,
 * its value and when it resets, with Retry-After; and OpenAI's
 * x-ratelimit-*-requests headers, sent on admitted requests too.
 */
import type { AdmitResult, LimitReason, RateState } from "../../durable-objects/key-limiter/contract.js";
import { ApiError } from "../http/errors.js";

type Refusal = Extract<AdmitResult, { admitted: false }>;

const CODES: Record<LimitReason, string> = {
	rate: "rate_limit_exceeded",
	concurrency: "concurrency_limit_exceeded",
	daily_tokens: "daily_token_quota_exceeded",
};

/** A duration as OpenAI writes it in x-ratelimit-reset-*: "1s", "250ms", "6m0s". */
export function formatReset(ms: number): string {
	if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
	const seconds = Math.ceil(ms / 1000);
	if (seconds < 60) return `${seconds}s`;
	const hours = Math.floor(seconds / 3600);
	const minutes = Math.floor((seconds % 3600) / 60);
	return `${hours > 0 ? `${hours}h` : ""}${minutes}m${seconds % 60}s`;
}

/** x-ratelimit-limit/remaining/reset-requests for a rate state; none when the rate is unlimited. */
export function rateHeaders(rate: RateState | null): Record<string, string> {
	if (!rate) return {};
	return {
		"x-ratelimit-limit-requests": String(rate.limit),
		"x-ratelimit-remaining-requests": String(rate.remaining),
		"x-ratelimit-reset-requests": formatReset(rate.resetMs),
	};
}

function describe(refusal: Refusal): string {
	const resets = new Date(refusal.resetAt).toISOString();
	switch (refusal.reason) {
		case "rate":
			return `Rate limit reached for this API key: ${refusal.limit} requests per minute. Retry after ${refusal.retryAfterS} s (${resets}).`;
		case "concurrency":
			return `Concurrency limit reached for this API key: ${refusal.limit} requests in flight. Retry when one of them finishes (after ${refusal.retryAfterS} s).`;
		case "daily_tokens":
			return `Daily token quota reached for this API key: ${refusal.limit} tokens per UTC day (this request reserves its prompt estimate plus max_tokens). It resets at ${resets}.`;
	}
}

/** The 429 ApiError of a refusal, with Retry-After and the rate headers. */
export function limitError(refusal: Refusal): ApiError {
	return new ApiError(429, describe(refusal), {
		type: "rate_limit_error",
		code: CODES[refusal.reason],
		headers: { "retry-after": String(refusal.retryAfterS), ...rateHeaders(refusal.rate) },
	});
}
