/**
 * What a client reads of a chat completion, for comparing answers of backends
 * that differ in what no client relies on (tool call ids, chunk boundaries,
 * `system_fingerprint`, a `refusal: null`, usage details): the message with
 * its tool calls and reasoning, the finish reason and the token counts; a
 * stream is read as a client library assembles it.
 */

type Json = Record<string, unknown>;

const obj = (value: unknown): Json => (typeof value === "object" && value !== null ? (value as Json) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function counts(usage: unknown): Json | null {
	if (typeof usage !== "object" || usage === null) return null;
	const { prompt_tokens, completion_tokens, total_tokens } = usage as Json;
	return { prompt_tokens, completion_tokens, total_tokens };
}

function toolCall(call: unknown): Json {
	const fn = obj(obj(call).function);
	return { type: obj(call).type ?? "function", name: fn.name, arguments: fn.arguments };
}

/** An unstreamed `chat.completion` as a client reads it. */
export function clientView(answer: unknown): Json {
	const json = obj(answer);
	return {
		object: json.object,
		model: json.model,
		choices: list(json.choices).map((choice) => {
			const { message, finish_reason, index } = obj(choice);
			const m = obj(message);
			return {
				index,
				finish_reason,
				role: m.role,
				content: m.content ?? null,
				reasoning: m.reasoning_content ?? null,
				tool_calls: list(m.tool_calls).map(toolCall),
			};
		}),
		usage: counts(json.usage),
	};
}

/** A stream's chunks (`[DONE]` included) assembled as a client library does. */
export function streamedView(chunks: readonly unknown[]): Json {
	let content = "";
	let reasoning = "";
	let finish: unknown = null;
	let usage: Json | null = null;
	const calls: Json[] = [];
	const objects = new Set<unknown>();
	for (const chunk of chunks) {
		if (chunk === "[DONE]") continue;
		const json = obj(chunk);
		objects.add(json.object);
		usage = counts(json.usage) ?? usage;
		for (const choice of list(json.choices)) {
			const { delta, finish_reason } = obj(choice);
			const d = obj(delta);
			if (typeof d.content === "string") content += d.content;
			if (typeof d.reasoning_content === "string") reasoning += d.reasoning_content;
			for (const fragment of list(d.tool_calls)) {
				const { index, function: fn } = obj(fragment);
				const at = typeof index === "number" ? index : 0;
				const call = calls[at] ?? { name: "", arguments: "" };
				calls[at] = call;
				const f = obj(fn);
				if (typeof f.name === "string") call.name = f.name;
				if (typeof f.arguments === "string") call.arguments = `${call.arguments}${f.arguments}`;
			}
			if (finish_reason !== null && finish_reason !== undefined) finish = finish_reason;
		}
	}
	return { objects: [...objects], content, reasoning, tool_calls: calls, finish_reason: finish, usage };
}
