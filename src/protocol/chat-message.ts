/**
 * One OpenAI chat message and the input limits on it. The Worker's chat
 * completion request and the agent's inference request both hold these, so
 * it is written with zod/mini: the agent bundles it (see ./zod-mini.ts).
 * Messages are loose objects: a field the edge does not know is kept as sent.
 */
import * as z from "./zod-mini.js";

/** Most messages in one request (docs/security.md, "Input limits"). */
export const MAX_MESSAGES = 256;
/** Most characters of one message's content (a string, or one text part). */
export const MAX_MESSAGE_CHARS = 262_144;
/** Most parts in one message's content array. */
export const MAX_CONTENT_PARTS = 64;
/** Highest max_tokens / max_completion_tokens the edge accepts. */
export const MAX_TOKENS_CEILING = 32_768;
/** Most tool calls in one assistant message. */
export const MAX_TOOL_CALLS = 128;
/** Most characters of an image URL or data URL, or of base64 audio, in one part. */
export const MAX_MEDIA_CHARS = 20_971_520;

const textSchema = z.string().check(z.maxLength(MAX_MESSAGE_CHARS));

/** Content parts: text, an image, audio, or (in assistant messages) a refusal. */
export const contentPartSchema = z.discriminatedUnion("type", [
	z.looseObject({ type: z.literal("text"), text: textSchema }),
	z.looseObject({
		type: z.literal("image_url"),
		image_url: z.looseObject({
			url: z.string().check(z.minLength(1), z.maxLength(MAX_MEDIA_CHARS)),
			detail: z.optional(z.enum(["auto", "low", "high"])),
		}),
	}),
	z.looseObject({
		type: z.literal("input_audio"),
		input_audio: z.looseObject({
			data: z.string().check(z.maxLength(MAX_MEDIA_CHARS)),
			format: z.string().check(z.minLength(1), z.maxLength(20)),
		}),
	}),
	z.looseObject({ type: z.literal("refusal"), refusal: textSchema }),
]);
export type ContentPart = z.infer<typeof contentPartSchema>;

const contentSchema = z.union([textSchema, z.array(contentPartSchema).check(z.maxLength(MAX_CONTENT_PARTS))]);

/** One tool call in an assistant message. */
export const toolCallSchema = z.looseObject({
	id: z.string().check(z.minLength(1), z.maxLength(256)),
	type: z.literal("function"),
	function: z.looseObject({
		name: z.string().check(z.minLength(1), z.maxLength(64)),
		arguments: textSchema,
	}),
});

const nameSchema = z.optional(z.string().check(z.maxLength(64)));

/** One chat message of any role: system, developer, user, assistant (with tool calls) or tool. */
export const chatMessageSchema = z.discriminatedUnion("role", [
	z.looseObject({ role: z.literal("system"), content: contentSchema, name: nameSchema }),
	z.looseObject({ role: z.literal("developer"), content: contentSchema, name: nameSchema }),
	z.looseObject({ role: z.literal("user"), content: contentSchema, name: nameSchema }),
	z.looseObject({
		role: z.literal("assistant"),
		content: z.nullish(contentSchema),
		name: nameSchema,
		refusal: z.nullish(textSchema),
		tool_calls: z.optional(z.array(toolCallSchema).check(z.maxLength(MAX_TOOL_CALLS))),
	}),
	z.looseObject({
		role: z.literal("tool"),
		content: contentSchema,
		tool_call_id: z.string().check(z.minLength(1), z.maxLength(256)),
	}),
]);
export type ChatMessage = z.infer<typeof chatMessageSchema>;
