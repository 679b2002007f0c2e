/**
 * An OpenAI chat body as Ollama's native /api/chat request: messages (tool
 * calls with their arguments as objects, images from data URLs), `tools`,
 * `format` from `response_format`, `think` from `reasoning_effort`, and the
 * sampling fields under `options`. A field Ollama cannot honour is refused by
 * name (`invalid_request`), never dropped.
 */
import type { InferenceRequest } from "../../../src/protocol/agent-wire.js";
import type { ChatBody } from "../../../src/protocol/chat-request.js";
import { chatBodyOf, contentText } from "./request-body.js";
import { BackendError } from "./types.js";

/** OpenAI fields that become Ollama options of another name. */
const OPTION_NAMES: Record<string, string> = {
	max_tokens: "num_predict",
	max_completion_tokens: "num_predict",
	temperature: "temperature",
	top_p: "top_p",
	stop: "stop",
	seed: "seed",
	presence_penalty: "presence_penalty",
	frequency_penalty: "frequency_penalty",
	repetition_penalty: "repeat_penalty",
};

/** Fields read elsewhere in the translation, or with no meaning to Ollama's request. */
const HANDLED = new Set([
	"messages",
	"tools",
	"tool_choice",
	"parallel_tool_calls",
	"response_format",
	"reasoning_effort",
	"stream",
	"stream_options",
	"n",
	"logprobs",
	"top_logprobs",
	"logit_bias",
	"user",
	"metadata",
]);

function refuse(field: string, value: unknown, allowed: string): never {
	throw new BackendError(
		"invalid_request",
		`${field}: the Ollama backend accepts ${allowed}, got ${JSON.stringify(value)}`,
		false,
	);
}

/** Fields Ollama's native API has no equivalent for, refused unless they ask for the default. */
function refuseUnsupported(req: ChatBody): void {
	if (req.n != null && req.n !== 1) refuse("n", req.n, "only 1");
	if (req.logprobs === true) refuse("logprobs", req.logprobs, "only false");
	if (req.top_logprobs != null && req.top_logprobs > 0) refuse("top_logprobs", req.top_logprobs, "only 0");
	if (req.logit_bias && Object.keys(req.logit_bias).length > 0) refuse("logit_bias", req.logit_bias, "only {}");
	if (req.parallel_tool_calls === false) refuse("parallel_tool_calls", false, "only true");
	if (req.tool_choice !== undefined && req.tool_choice !== "auto" && !(req.tool_choice === "none" && !req.tools)) {
		refuse("tool_choice", req.tool_choice, '"auto"');
	}
}

type Message = ChatBody["messages"][number];

/** One message in Ollama's shape. */
function ollamaMessage(m: Message, index: number): Record<string, unknown> {
	const out: Record<string, unknown> = { role: m.role, content: contentText(m.content) };
	if (Array.isArray(m.content)) {
		const images: string[] = [];
		m.content.forEach((part, p) => {
			if (part.type === "image_url") {
				const match = /^data:image\/[\w.+-]+;base64,(.+)$/.exec(part.image_url.url);
				if (!match?.[1])
					refuse(`messages[${index}].content[${p}].image_url.url`, "a URL", "data:image/...;base64 URLs only");
				images.push(match[1]);
			} else if (part.type === "input_audio") {
				refuse(`messages[${index}].content[${p}].type`, part.type, "text and image_url parts");
			}
		});
		if (images.length > 0) out.images = images;
	}
	if (m.role === "assistant" && m.tool_calls) {
		out.tool_calls = m.tool_calls.map((call, c) => {
			let args: unknown;
			try {
				args = JSON.parse(call.function.arguments);
			} catch {
				refuse(`messages[${index}].tool_calls[${c}].function.arguments`, call.function.arguments, "JSON text");
			}
			return { function: { name: call.function.name, arguments: args } };
		});
	}
	const reasoning = (m as Record<string, unknown>).reasoning_content;
	if (m.role === "assistant" && typeof reasoning === "string") out.thinking = reasoning;
	return out;
}

/** The /api/chat body for an OpenAI-shaped request; unknown extras (`top_k`, `min_p`, `num_ctx`, ...) go under `options`. */
export function ollamaChatBody(model: string, request: InferenceRequest): Record<string, unknown> {
	const req = chatBodyOf(request, "ollama");
	refuseUnsupported(req);
	const options: Record<string, unknown> = {};
	for (const [field, value] of Object.entries(req)) {
		if (value === undefined || value === null || HANDLED.has(field)) continue;
		options[OPTION_NAMES[field] ?? field] = value;
	}
	const format = req.response_format;
	return {
		model,
		stream: true,
		messages: req.messages.map(ollamaMessage),
		...(req.tools ? { tools: req.tools } : {}),
		...(format?.type === "json_object" ? { format: "json" } : {}),
		...(format?.type === "json_schema" ? { format: format.json_schema.schema ?? {} } : {}),
		...(req.reasoning_effort ? { think: req.reasoning_effort === "minimal" ? "low" : req.reasoning_effort } : {}),
		...(Object.keys(options).length > 0 ? { options } : {}),
	};
}
