/**
 * What a node serves of each model: the OpenAI endpoints (the path after
 * /v1/), the input modalities beyond text, and the context length. Agents
 * report it in telemetry, zones merge it per model, and the Worker routes
 * and lists models with it. Written with zod/mini: the agent bundles it.
 */
import * as z from "./zod-mini.js";

/** The client endpoints a job may name, as the path after /v1/. */
export const OPENAI_ENDPOINTS = ["chat/completions", "completions", "embeddings"] as const;
export const openAiEndpointSchema = z.enum(OPENAI_ENDPOINTS);
export type OpenAiEndpoint = z.infer<typeof openAiEndpointSchema>;

/** Chat content parts beyond text that only some models take, by their OpenAI part type. */
export const INPUT_MODALITIES = ["image_url", "input_audio"] as const;
export const inputModalitySchema = z.enum(INPUT_MODALITIES);
export type InputModality = z.infer<typeof inputModalitySchema>;

/** Largest context length a node may report (tokens). */
export const MAX_CONTEXT_LENGTH = 16_777_216;

/** How a model is served: on which endpoints, with which extra inputs, and its context length where known. */
export const modelServingSchema = z.strictObject({
	endpoints: z.array(openAiEndpointSchema).check(z.minLength(1), z.maxLength(OPENAI_ENDPOINTS.length)),
	/** Content part types beyond text the model takes; absent: text only. */
	inputs: z.optional(z.array(inputModalitySchema).check(z.maxLength(INPUT_MODALITIES.length))),
	/** Context window in tokens, where the backend says; absent: unknown. */
	contextLength: z.optional(z.int().check(z.positive(), z.maximum(MAX_CONTEXT_LENGTH))),
});
export type ModelServing = z.infer<typeof modelServingSchema>;

/**
 * What a node that reports nothing about a model serves: chat completions,
 * text only. Agents from before these reports run chat jobs only.
 */
export const LEGACY_MODEL_SERVING: ModelServing = { endpoints: ["chat/completions"] };

/** Merges what several nodes of one zone serve of a model: the union of endpoints and inputs, the largest context. */
export function mergeServing(a: ModelServing, b: ModelServing): ModelServing {
	const endpoints = OPENAI_ENDPOINTS.filter((e) => a.endpoints.includes(e) || b.endpoints.includes(e));
	const inputs = INPUT_MODALITIES.filter((m) => a.inputs?.includes(m) || b.inputs?.includes(m));
	const context = Math.max(a.contextLength ?? 0, b.contextLength ?? 0);
	return { endpoints, ...(inputs.length > 0 ? { inputs } : {}), ...(context > 0 ? { contextLength: context } : {}) };
}
