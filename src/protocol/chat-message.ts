/**
 * One OpenAI chat message and the input limits on it. The Worker's chat
 * completion request and the agent's inference request both hold these, so
 * it is written with zod/mini: the agent bundles it (see ./zod-mini.ts).
 */
import * as z from "./zod-mini.js";

/** Most messages in one request (docs/security.md, "Input limits"). */
export const MAX_MESSAGES = 256;
/** Most characters of one message's content (a string, or one text part). */
export const MAX_MESSAGE_CHARS = 262_144;
/** Most text parts in one message's content array. */
export const MAX_CONTENT_PARTS = 64;
/** Highest max_tokens / max_completion_tokens the edge accepts. */
export const MAX_TOKENS_CEILING = 32_768;

const textPartSchema = z.object({ type: z.literal("text"), text: z.string().check(z.maxLength(MAX_MESSAGE_CHARS)) });

/** One chat message. Content may be a string or OpenAI's array of text parts. */
export const chatMessageSchema = z.object({
	role: z.enum(["system", "user", "assistant", "tool", "developer"]),
	content: z.union([
		z.string().check(z.maxLength(MAX_MESSAGE_CHARS)),
		z.array(textPartSchema).check(z.maxLength(MAX_CONTENT_PARTS)),
	]),
	name: z.optional(z.string().check(z.maxLength(64))),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;
