/**
 * The OpenAI request bodies the edge accepts and a node receives, written
 * with zod/mini so the Worker and the agent share them (ADR 0008, ADR 0016).
 * Known fields are checked; every other field is kept as it came (loose
 * objects), so backend extras such as `top_k` or `guided_json` pass through.
 */
import { chatMessageSchema, MAX_MESSAGES, MAX_TOKENS_CEILING } from "./chat-message.js";
import * as z from "./zod-mini.js";

/** The endpoints a job can name: the path after /v1/. */
export const endpointSchema = z.enum(["chat/completions", "completions", "embeddings"]);
export type Endpoint = z.infer<typeof endpointSchema>;

/** Most tools in one request. */
export const MAX_TOOLS = 128;
/** Most characters of one tool's JSON schema (`function.parameters`), serialized. */
export const MAX_TOOL_SCHEMA_CHARS = 65_536;
/** Most choices (`n`) one request may ask for. */
export const MAX_CHOICES = 8;

/** A JSON value's serialized length is at most `max` characters. */
function jsonAtMost(max: number, what: string) {
	return z.refine((value: unknown) => JSON.stringify(value ?? null).length <= max, {
		message: `${what} must serialize to at most ${max} characters`,
	});
}

const jsonObjectSchema = z.record(z.string(), z.unknown());

/** One tool: a function with its name and JSON schema. */
export const toolSchema = z.looseObject({
	type: z.literal("function"),
	function: z.looseObject({
		name: z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/, "1 to 64 letters, digits, _ or -")),
		description: z.optional(z.string().check(z.maxLength(8192))),
		parameters: z.optional(jsonObjectSchema.check(jsonAtMost(MAX_TOOL_SCHEMA_CHARS, "parameters"))),
		strict: z.nullish(z.boolean()),
	}),
});

/** `none`, `auto`, `required`, or one named function. */
export const toolChoiceSchema = z.union([
	z.enum(["none", "auto", "required"]),
	z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: z.string().check(z.maxLength(64)) }) }),
]);

/** `text`, `json_object`, or `json_schema` with its schema. */
export const responseFormatSchema = z.discriminatedUnion("type", [
	z.looseObject({ type: z.literal("text") }),
	z.looseObject({ type: z.literal("json_object") }),
	z.looseObject({
		type: z.literal("json_schema"),
		json_schema: z.looseObject({
			name: z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/, "1 to 64 letters, digits, _ or -")),
			schema: z.optional(jsonObjectSchema.check(jsonAtMost(MAX_TOOL_SCHEMA_CHARS, "schema"))),
			strict: z.nullish(z.boolean()),
		}),
	}),
]);

const stopSchema = z.nullish(
	z.union([z.string().check(z.maxLength(1000)), z.array(z.string().check(z.maxLength(1000))).check(z.maxLength(4))]),
);
const tokensSchema = z.optional(z.int().check(z.positive(), z.maximum(MAX_TOKENS_CEILING)));
const penaltySchema = z.nullish(z.number().check(z.minimum(-2), z.maximum(2)));

/** Sampling fields common to chat and legacy completions. */
const samplingShape = {
	stream: z.nullish(z.boolean()),
	stream_options: z.nullish(z.looseObject({ include_usage: z.optional(z.boolean()) })),
	max_tokens: tokensSchema,
	temperature: z.nullish(z.number().check(z.minimum(0), z.maximum(2))),
	top_p: z.nullish(z.number().check(z.gt(0), z.maximum(1))),
	n: z.nullish(z.int().check(z.minimum(1), z.maximum(MAX_CHOICES))),
	stop: stopSchema,
	seed: z.nullish(z.int()),
	presence_penalty: penaltySchema,
	frequency_penalty: penaltySchema,
	logit_bias: z.nullish(
		z.record(z.string().check(z.regex(/^\d{1,10}$/, "a token id")), z.number().check(z.minimum(-100), z.maximum(100))),
	),
	user: z.optional(z.string().check(z.maxLength(256))),
};

/** The chat completion body a node receives (the client's, less `model` and `arcnet`). */
export const chatBodyShape = {
	...samplingShape,
	messages: z.array(chatMessageSchema).check(z.minLength(1), z.maxLength(MAX_MESSAGES)),
	max_completion_tokens: tokensSchema,
	tools: z.optional(z.array(toolSchema).check(z.maxLength(MAX_TOOLS))),
	tool_choice: z.optional(toolChoiceSchema),
	parallel_tool_calls: z.optional(z.boolean()),
	response_format: z.optional(responseFormatSchema),
	logprobs: z.nullish(z.boolean()),
	top_logprobs: z.nullish(z.int().check(z.minimum(0), z.maximum(20))),
	metadata: z.nullish(z.record(z.string().check(z.maxLength(64)), z.string().check(z.maxLength(512)))),
	reasoning_effort: z.nullish(z.enum(["minimal", "low", "medium", "high"])),
};
export const chatBodySchema = z.looseObject(chatBodyShape);
export type ChatBody = z.infer<typeof chatBodySchema>;

/** Most characters of a legacy completion prompt (one string, or the sum of a list). */
export const MAX_PROMPT_CHARS = 1_048_576;
/** Most inputs in one embeddings request. */
export const MAX_EMBEDDING_INPUTS = 2048;

const promptSchema = z.union([
	z.string().check(z.maxLength(MAX_PROMPT_CHARS)),
	z.array(z.string().check(z.maxLength(MAX_PROMPT_CHARS))).check(z.minLength(1), z.maxLength(MAX_EMBEDDING_INPUTS)),
	z.array(z.int().check(z.minimum(0))).check(z.minLength(1), z.maxLength(MAX_PROMPT_CHARS)),
]);

/** The legacy completion body a node receives. */
export const completionBodyShape = {
	...samplingShape,
	prompt: promptSchema,
	suffix: z.nullish(z.string().check(z.maxLength(MAX_PROMPT_CHARS))),
	echo: z.nullish(z.boolean()),
	best_of: z.nullish(z.int().check(z.minimum(1), z.maximum(MAX_CHOICES))),
	logprobs: z.nullish(z.int().check(z.minimum(0), z.maximum(5))),
};
export const completionBodySchema = z.looseObject(completionBodyShape);

/** The embeddings body a node receives. */
export const embeddingBodyShape = {
	input: promptSchema,
	encoding_format: z.optional(z.enum(["float", "base64"])),
	dimensions: z.optional(z.int().check(z.positive(), z.maximum(65_536))),
	user: z.optional(z.string().check(z.maxLength(256))),
};
export const embeddingBodySchema = z.looseObject(embeddingBodyShape);
