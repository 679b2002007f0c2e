/**
 * Reading a job's inference request in a backend: its endpoint and the
 * client's body (ADR 0016), or the body typed as a chat request for backends
 * that translate it (Ollama's native API, the simulator).
 */
import type { InferenceRequest } from "../../../src/protocol/agent-wire.js";
import { type ChatBody, chatBodySchema, type Endpoint } from "../../../src/protocol/chat-request.js";
import type { JsonObject } from "../../../src/protocol/json-value.js";
import { BackendError } from "./types.js";

/** The endpoint a request names (absent: chat/completions) and the body to send for it. */
export function splitRequest(request: InferenceRequest): { endpoint: Endpoint; body: JsonObject } {
	const { endpoint, ...body } = request;
	return { endpoint: endpoint ?? "chat/completions", body };
}

/**
 * The request as a typed chat body, for a backend of `kind` that serves only
 * chat; any other endpoint is refused as the client's error.
 */
export function chatBodyOf(request: InferenceRequest, kind: string): ChatBody {
	const { endpoint, body } = splitRequest(request);
	if (endpoint !== "chat/completions") {
		throw new BackendError(
			"invalid_request",
			`endpoint: the ${kind} backend serves chat/completions only, not ${endpoint}`,
			false,
		);
	}
	const parsed = chatBodySchema.safeParse(body);
	if (!parsed.success)
		throw new BackendError("invalid_request", `the chat request is invalid: ${parsed.error.message}`, false);
	return parsed.data;
}

/** The text of a message's content: the string, or its text parts joined. */
export function contentText(content: ChatBody["messages"][number]["content"], separator = ""): string {
	if (typeof content === "string") return content;
	if (!content) return "";
	return content.map((part) => (part.type === "text" ? part.text : "")).join(separator);
}
