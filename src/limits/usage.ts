/**
 * The tokens a finished request counts against its key's daily quota, the
 * same way for every endpoint: chat and legacy completions report prompt and
 * completion tokens, embeddings only prompt tokens (OpenAI's embeddings usage
 * is `{prompt_tokens, total_tokens}`).
 */
import type { OpenAiEndpoint } from "../protocol/model-serving.js";

/** A usage object as each endpoint reports it; every field is optional so that none is assumed. */
export interface CountedUsage {
	prompt_tokens?: number | undefined;
	completion_tokens?: number | undefined;
	total_tokens?: number | undefined;
}

function count(value: number | undefined): number {
	return value !== undefined && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/**
 * Tokens to charge: prompt + completion, or total_tokens when larger (a
 * backend may leave out a part it counts in the total). Null when the usage
 * names no count at all, which keeps the reservation charged.
 */
export function chargedTokens(usage: CountedUsage): number | null {
	const { prompt_tokens, completion_tokens, total_tokens } = usage;
	if (prompt_tokens === undefined && completion_tokens === undefined && total_tokens === undefined) return null;
	return Math.max(count(prompt_tokens) + count(completion_tokens), count(total_tokens));
}

/** The client endpoint a /v1 path runs (the path after /v1/), or null for paths that run none directly (e.g. /v1/jobs). */
export function endpointOfPath(path: string): OpenAiEndpoint | null {
	const match = /\/v1\/(chat\/completions|completions|embeddings)\/?$/.exec(path);
	return (match?.[1] as OpenAiEndpoint | undefined) ?? null;
}
