/**
 * The mapping from a client's OpenAI chat completion body to the inference
 * request a node runs (agent-wire's InferenceRequest). Both the synchronous
 * path (POST /v1/chat/completions) and async jobs (POST /v1/jobs) submit it.
 */
import type { InferenceRequest } from "./agent-wire.js";
import type { ChatCompletionRequest } from "./openai.js";

/** The part of the client's body a node needs to run the job. */
export function toInferenceRequest(body: ChatCompletionRequest): InferenceRequest {
	const maxTokens = body.max_tokens ?? body.max_completion_tokens;
	const stop = typeof body.stop === "string" ? [body.stop] : (body.stop ?? undefined);
	return {
		messages: body.messages,
		...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
		...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
		...(body.top_p !== undefined ? { top_p: body.top_p } : {}),
		...(stop !== undefined ? { stop } : {}),
		...(body.seed !== undefined ? { seed: body.seed } : {}),
	};
}
