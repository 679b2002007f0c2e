/**
 * The OpenAI-compatible client surface: the chat completion request as the
 * edge accepts it, and builders for the responses and stream chunks that
 * OpenAI SDKs expect. ArcNet's own routing preferences travel in the optional
 * `arcnet` body field or in `x-arcnet-*` headers, never elsewhere.
 */
import * as z from "zod";
import { chatBodyShape, completionBodyShape, embeddingBodyShape } from "./chat-request.js";

export {
	type ChatMessage,
	chatMessageSchema,
	MAX_CONTENT_PARTS,
	MAX_MESSAGE_CHARS,
	MAX_MESSAGES,
	MAX_TOKENS_CEILING,
} from "./chat-message.js";

/** Routing preferences in the body; the `x-arcnet-*` headers carry the same. */
export const arcnetOptionsSchema = z
	.object({
		/** latency | carbon | balanced | weights:latency=0.3,carbon=0.7 (checked by src/routing/policy-parse.ts). */
		policy: z.string().min(1).max(100).optional(),
		max_latency_ms: z.number().int().positive().max(60_000).optional(),
		regions: z.array(z.string().min(1).max(20)).max(20).optional(),
		/** The job's deadline for its first output (ms): range-checked against JOB_TIMEOUT_MAX_MS by src/routing/request-timeout.ts. */
		timeout_ms: z.number().optional(),
	})
	.strict();
export type ArcnetOptions = z.infer<typeof arcnetOptionsSchema>;

const modelSchema = z.string().min(1).max(200);

/** POST /v1/chat/completions body: known fields checked, unknown fields passed to the backend (ADR 0016). */
export const chatCompletionRequestSchema = z.looseObject({
	...chatBodyShape,
	model: modelSchema,
	arcnet: arcnetOptionsSchema.optional(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** POST /v1/completions body (legacy text completions). */
export const completionRequestSchema = z.looseObject({
	...completionBodyShape,
	model: modelSchema,
	arcnet: arcnetOptionsSchema.optional(),
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

/** POST /v1/embeddings body. */
export const embeddingRequestSchema = z.looseObject({
	...embeddingBodyShape,
	model: modelSchema,
	arcnet: arcnetOptionsSchema.optional(),
});
export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;

/** A finish reason as the backend gave it: `stop`, `length`, `tool_calls`, `content_filter`, ... */
export type FinishReason = string;

export interface Usage {
	prompt_tokens: number;
	completion_tokens: number;
	total_tokens: number;
}

/** OpenAI's error body: SDKs read `error.message` and surface it. */
export interface OpenAIErrorBody {
	error: { message: string; type: string; param: string | null; code: string | null };
}

/** Builds a `chat.completion` response body. */
export function chatCompletion(args: {
	id: string;
	model: string;
	created: number;
	content: string;
	finishReason: FinishReason;
	usage: Usage;
}) {
	return {
		id: args.id,
		object: "chat.completion" as const,
		created: args.created,
		model: args.model,
		choices: [
			{
				index: 0,
				message: { role: "assistant" as const, content: args.content },
				logprobs: null,
				finish_reason: args.finishReason,
			},
		],
		usage: args.usage,
	};
}

/** Builds one `chat.completion.chunk`; pass `choices: []` semantics via `usageOnly`. */
export function chatCompletionChunk(args: {
	id: string;
	model: string;
	created: number;
	delta?: { role?: "assistant"; content?: string };
	finishReason?: FinishReason | null;
	usage?: Usage | null;
	usageOnly?: boolean;
}) {
	return {
		id: args.id,
		object: "chat.completion.chunk" as const,
		created: args.created,
		model: args.model,
		choices: args.usageOnly
			? []
			: [{ index: 0, delta: args.delta ?? {}, logprobs: null, finish_reason: args.finishReason ?? null }],
		...(args.usage !== undefined ? { usage: args.usage } : {}),
	};
}
