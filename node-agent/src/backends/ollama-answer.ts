/**
 * Ollama's native /api/chat stream as OpenAI's answer, so a client cannot
 * tell which backend served it: each line becomes a `chat.completion.chunk`
 * (content, `reasoning_content` from `thinking`, `tool_calls` with an index,
 * an id and their arguments as JSON text), the last line the finish chunk
 * and usage; an unstreamed job gets the whole `chat.completion`.
 */
import type { TokenUsage } from "../../../src/protocol/agent-wire.js";
import type { JsonObject, JsonValue } from "../../../src/protocol/json-value.js";
import type { ChatPart } from "./types.js";

/** What the translation reads of one Ollama line's message. */
export interface OllamaMessage {
	content?: string | undefined;
	thinking?: string | undefined;
	tool_calls?: { function: { name: string; arguments?: unknown } }[] | undefined;
}

/** Translates one job's lines; `stream` and `includeUsage` are the client's. */
export class OllamaAnswer {
	#first = true;
	#content = "";
	#thinking = "";
	readonly #toolCalls: JsonObject[] = [];
	readonly #base: JsonObject;

	constructor(
		model: string,
		private readonly stream: boolean,
		private readonly includeUsage: boolean,
	) {
		this.#base = { id: `chatcmpl-ollama${Date.now().toString(36)}`, created: Math.floor(Date.now() / 1000), model };
	}

	#chunk(delta: JsonObject, finish: string | null): JsonObject {
		return {
			...this.#base,
			object: "chat.completion.chunk",
			choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
			...(this.includeUsage ? { usage: null } : {}),
		};
	}

	/** The part for one line's message; null when it carries nothing to relay. */
	message(message: OllamaMessage | null | undefined): ChatPart | null {
		const text = message?.content ?? "";
		const thinking = message?.thinking ?? "";
		const calls = (message?.tool_calls ?? []).map((call) => {
			const index = this.#toolCalls.length;
			const full: JsonObject = {
				id: `call_${index}`,
				type: "function",
				function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments ?? {}) },
			};
			this.#toolCalls.push(full);
			return { index, ...full };
		});
		if (!this.#first && !text && !thinking && calls.length === 0) return null;
		// The first chunk names the role, as OpenAI's does.
		const delta: JsonObject = this.#first ? { role: "assistant", content: text } : {};
		if (text) delta.content = text;
		if (thinking) delta.reasoning_content = thinking;
		if (calls.length > 0) delta.tool_calls = calls;
		this.#first = false;
		this.#content += text;
		this.#thinking += thinking;
		return this.stream ? { type: "delta", text, chunk: this.#chunk(delta, null) } : { type: "delta", text };
	}

	/** The finish reason OpenAI would give: `tool_calls` when the model called tools, else Ollama's `length` or `stop`. */
	finishReason(doneReason: string | null | undefined): string {
		if (this.#toolCalls.length > 0) return "tool_calls";
		return doneReason === "length" ? "length" : "stop";
	}

	/** The parts that end the job: the finish chunk and usage chunk when streamed, then done (with the response when not). */
	end(doneReason: string | null | undefined, usage: TokenUsage | null): ChatPart[] {
		const finishReason = this.finishReason(doneReason);
		const openaiUsage: JsonValue = usage
			? { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens }
			: null;
		if (!this.stream) {
			const message: JsonObject = {
				role: "assistant",
				content: this.#toolCalls.length > 0 && !this.#content ? null : this.#content,
			};
			if (this.#thinking) message.reasoning_content = this.#thinking;
			if (this.#toolCalls.length > 0) message.tool_calls = this.#toolCalls;
			const response: JsonObject = {
				...this.#base,
				object: "chat.completion",
				choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
				...(openaiUsage ? { usage: openaiUsage } : {}),
			};
			return [{ type: "done", finishReason, usage, response }];
		}
		const parts: ChatPart[] = [{ type: "delta", text: "", chunk: this.#chunk({}, finishReason) }];
		if (this.includeUsage && openaiUsage) {
			const chunk: JsonObject = { ...this.#base, object: "chat.completion.chunk", choices: [], usage: openaiUsage };
			parts.push({ type: "delta", text: "", chunk });
		}
		parts.push({ type: "done", finishReason, usage });
		return parts;
	}
}
