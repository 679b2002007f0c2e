/**
 * The relay's request-side helpers: the id prefix of each endpoint's answers,
 * and (re-exported) the inference request a job carries (ADR 0016).
 */
import type { Endpoint } from "../protocol/chat-request.js";

/** The id prefix OpenAI gives each endpoint's responses. */
export function responseIdPrefix(endpoint: Endpoint): string {
	return endpoint === "chat/completions" ? "chatcmpl-" : endpoint === "completions" ? "cmpl-" : "emb-";
}

export { toInferenceRequest } from "../protocol/inference-request.js";
export { withEdgeIdentity } from "../protocol/json-value.js";
