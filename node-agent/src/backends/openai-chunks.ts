/**
 * What the agent reads of an OpenAI-shaped chunk or response it relays: the
 * text (for the zone's output text and token counts), the finish reason and
 * the usage. Read by hand, without a schema: this runs on every chunk.
 */
import type { TokenUsage } from "../../../src/protocol/agent-wire.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../../src/protocol/json-value.js";

function choicesOf(body: JsonObject): JsonObject[] {
	return Array.isArray(body.choices) ? body.choices.filter(isJsonObject) : [];
}

function textIn(value: JsonValue | undefined): string {
	return typeof value === "string" ? value : "";
}

/** The content text of every choice of a chunk or response: chat `delta`/`message` content, or legacy `text`. */
export function chunkText(body: JsonObject): string {
	let text = "";
	for (const choice of choicesOf(body)) {
		const delta = isJsonObject(choice.delta) ? choice.delta : isJsonObject(choice.message) ? choice.message : null;
		text += delta ? textIn(delta.content) : textIn(choice.text);
	}
	return text;
}

/** The first finish reason any choice gives, as the backend wrote it; null when none has finished. */
export function finishReasonOf(body: JsonObject): string | null {
	for (const choice of choicesOf(body)) {
		if (typeof choice.finish_reason === "string" && choice.finish_reason.length > 0) return choice.finish_reason;
	}
	return null;
}

function count(value: JsonValue | undefined): number | null {
	return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : null;
}

/** The token counts of the body's `usage` (embeddings report no completion tokens: 0); null without usage. */
export function usageOf(body: JsonObject): TokenUsage | null {
	const usage = body.usage;
	if (!isJsonObject(usage)) return null;
	const prompt = count(usage.prompt_tokens);
	if (prompt === null) return null;
	return { prompt_tokens: prompt, completion_tokens: count(usage.completion_tokens) ?? 0 };
}
