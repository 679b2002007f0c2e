/**
 * The 429 of a refused request, in OpenAI's error shape, naming the limit,
 * its value and when it resets, with Retry-After (or a 400 naming the fix
 * when the request alone is larger than the daily quota); and OpenAI's
 * x-ratelimit-*-requests headers, sent on admitted requests too.
 */
import type { AdmitResult, LimitReason, RateState } from "../../durable-objects/key-limiter/contract.js";
import { ApiError } from "../http/errors.js";
import type { TokenEstimate } from "./estimate.js";

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

/**
 * A request that alone reserves more than the key's whole daily quota: no
 * retry can admit it, so it is a 400 naming the fix rather than a 429 whose
 * Retry-After points at the next UTC day.
 */
function oversizedForQuota(refusal: Refusal, estimate: TokenEstimate): ApiError {
	const room = refusal.limit - estimate.promptTokens;
	const reserved = `${estimate.promptTokens} for the prompt (estimated) + ${estimate.completionTokens} for the completion (${
		estimate.defaultCompletion ? "the default reservation: the request sets no max_tokens" : "its max_tokens"
	})`;
	const fix = room >= 1 ? `Set max_tokens to at most ${room}` : "Shorten the prompt and set max_tokens";
	return new ApiError(
		400,
		`This request reserves ${estimate.total} tokens, ${reserved}, more than this API key's whole daily quota of ${refusal.limit} tokens, so it can never be admitted. ${fix}, or ask an operator to raise the key's dailyTokenQuota.`,
		{ type: "invalid_request_error", param: "max_tokens", code: "request_exceeds_daily_quota" },
	);
}

/** The ApiError of a refusal: 429 with Retry-After and the rate headers, or 400 when the request can never fit the daily quota. */
export function limitError(refusal: Refusal, estimate: TokenEstimate): ApiError {
	if (refusal.reason === "daily_tokens" && estimate.total > refusal.limit) {
		return oversizedForQuota(refusal, estimate);
	}
	return new ApiError(429, describe(refusal), {
		type: "rate_limit_error",
		code: CODES[refusal.reason],
		headers: { "retry-after": String(refusal.retryAfterS), ...rateHeaders(refusal.rate) },
	});
}
