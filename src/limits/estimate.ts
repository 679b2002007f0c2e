/**
 * The tokens a request reserves against its key's daily quota at admission,
 * before its real usage is known: the prompt estimated at one token per 4
 * characters of the whole body (an over-estimate: JSON syntax counts too),
 * plus max_tokens, or DEFAULT_COMPLETION_RESERVATION when the body sets none.
 * Embeddings generate nothing: they reserve their prompt estimate only.
 */
import type { OpenAiEndpoint } from "../protocol/model-serving.js";

/** Completion tokens reserved when the request sets no max_tokens. */
export const DEFAULT_COMPLETION_RESERVATION = 1024;

function positiveInt(value: unknown): number | null {
	return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : null;
}

/** The completion cap of a chat body, or of an async job's `request`; null when none is set or the body is not JSON. */
function maxTokensOf(text: string): number | null {
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		return null;
	}
	if (body === null || typeof body !== "object") return null;
	const record = body as Record<string, unknown>;
	const inner =
		record.request !== null && typeof record.request === "object"
			? (record.request as Record<string, unknown>)
			: record;
	return positiveInt(inner.max_tokens) ?? positiveInt(inner.max_completion_tokens);
}

/** What a request reserves: its prompt estimate, its completion cap, and whether that cap is the default. */
export interface TokenEstimate {
	promptTokens: number;
	completionTokens: number;
	/** True when the body sets no max_tokens, so DEFAULT_COMPLETION_RESERVATION was reserved. */
	defaultCompletion: boolean;
	total: number;
}

/** Estimated prompt + completion tokens of a request body (text as received) on `endpoint` (default: a generating one). */
export function estimateRequestTokens(text: string, endpoint: OpenAiEndpoint | null = null): TokenEstimate {
	const promptTokens = Math.ceil(text.length / 4);
	if (endpoint === "embeddings")
		return { promptTokens, completionTokens: 0, defaultCompletion: false, total: promptTokens };
	const cap = maxTokensOf(text);
	const completionTokens = cap ?? DEFAULT_COMPLETION_RESERVATION;
	return { promptTokens, completionTokens, defaultCompletion: cap === null, total: promptTokens + completionTokens };
}
