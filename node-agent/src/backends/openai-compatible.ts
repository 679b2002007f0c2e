/**
 * Backend for OpenAI-compatible inference servers: vLLM, llama.cpp server,
 * Ollama's /v1, TGI and others. It streams with `stream: true` and asks for a
 * final usage chunk (`stream_options.include_usage`); servers that ignore that
 * option still work, because the runner then counts deltas.
 */
import type { InferenceRequest, TokenUsage } from "../../../src/protocol/agent-wire.js";
import * as z from "../../../src/protocol/zod-mini.js";
import { type HttpFetch, type HttpRequestInit, type HttpResponse, httpFetch } from "../http-fetch.js";
import { SseParser } from "../sse-parse.js";
import { classifyHttpFailure, classifyNetworkFailure } from "./errors.js";
import { type Backend, BackendError, type ChatPart, type FinishReason } from "./types.js";

export interface OpenAiBackendOptions {
	/** Server root, e.g. http://127.0.0.1:8000; `/v1/...` is appended. */
	url: string;
	/** Sent as `Authorization: Bearer` when set. */
	apiKey?: string | undefined;
	fetch?: HttpFetch;
}

/** An error object sent inside the stream (vLLM and llama.cpp do so when generation fails mid-way): `error` and no `choices`. */
function isErrorBody(json: unknown): json is { error: unknown } {
	return typeof json === "object" && json !== null && !Array.isArray(json) && "error" in json && !("choices" in json);
}
const modelsSchema = z.object({ data: z.array(z.object({ id: z.string() })) });
const chunkSchema = z.object({
	choices: z.optional(
		z.array(
			z.object({
				delta: z.nullish(z.object({ content: z.nullish(z.string()) })),
				finish_reason: z.nullish(z.string()),
			}),
		),
	),
	usage: z.nullish(
		z.object({ prompt_tokens: z.int().check(z.minimum(0)), completion_tokens: z.int().check(z.minimum(0)) }),
	),
});

function finishReasonOf(raw: string): FinishReason {
	// Servers also say "eos", "abort" or "tool_calls"; the protocol knows three reasons.
	if (raw === "length") return "length";
	if (raw === "content_filter") return "content_filter";
	return "stop";
}

/** Creates the OpenAI-compatible backend. */
export function createOpenAiBackend(options: OpenAiBackendOptions): Backend {
	const base = options.url.replace(/\/+$/, "");
	const doFetch = options.fetch ?? httpFetch;
	const headers = (): Record<string, string> => ({
		"content-type": "application/json",
		...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
	});

	async function request(path: string, init: HttpRequestInit): Promise<HttpResponse> {
		let res: HttpResponse;
		try {
			res = await doFetch(`${base}${path}`, { ...init, headers: headers() });
		} catch (err) {
			throw classifyNetworkFailure(err);
		}
		if (!res.ok) throw classifyHttpFailure(res.status, await res.text().catch(() => ""));
		return res;
	}

	return {
		kind: "openai",
		async listModels(signal) {
			const res = await request("/v1/models", { method: "GET", signal: signal ?? null });
			const parsed = modelsSchema.safeParse(await res.json().catch(() => null));
			if (!parsed.success)
				throw new BackendError("backend_error", "GET /v1/models: expected { data: [{ id }] }", false);
			return parsed.data.data.map((m) => m.id);
		},
		async *chat(model: string, req: InferenceRequest, signal: AbortSignal): AsyncGenerator<ChatPart> {
			const body = { ...req, model, stream: true, stream_options: { include_usage: true } };
			const res = await request("/v1/chat/completions", { method: "POST", body: JSON.stringify(body), signal });
			let finish: FinishReason | null = null;
			let usage: TokenUsage | null = null;
			let ended = false;
			/** Reads one event's data; returns the delta text it carries, if any. */
			const read = (data: string): string | null | undefined => {
				if (ended) return null;
				if (data.trim() === "[DONE]") {
					ended = true;
					return null;
				}
				let json: unknown;
				try {
					json = JSON.parse(data);
				} catch {
					throw new BackendError(
						"backend_error",
						`backend sent a stream chunk that is not JSON: ${data.slice(0, 100)}`,
						false,
					);
				}
				// An error object in place of a chunk. Checked by hand: a zod schema here failed, at some cost, on every chunk.
				if (isErrorBody(json)) throw classifyHttpFailure(500, JSON.stringify(json.error));
				const chunk = chunkSchema.safeParse(json);
				if (!chunk.success) return null;
				if (chunk.data.usage) usage = chunk.data.usage;
				const choice = chunk.data.choices?.[0];
				if (choice?.finish_reason) finish = finishReasonOf(choice.finish_reason);
				return choice?.delta?.content;
			};
			const sse = new SseParser();
			try {
				// Read to the end of the body rather than stopping at [DONE]: leaving early destroys the
				// socket, and the next job would pay for a new connection to the backend.
				for await (const bytes of res.body) {
					for (const data of sse.push(bytes)) {
						const text = read(data);
						if (text) yield { type: "delta", text };
					}
				}
				for (const data of sse.end()) {
					const text = read(data);
					if (text) yield { type: "delta", text };
				}
			} catch (err) {
				if (err instanceof BackendError || signal.aborted) throw err;
				throw classifyNetworkFailure(err);
			}
			// A body that ends with neither [DONE] nor a finish_reason was cut short (a crashed or
			// restarted server): retryable, like an Ollama stream that ends before `done`.
			if (!ended && finish === null) {
				throw new BackendError("backend_error", "backend closed the stream before [DONE] or a finish_reason", true);
			}
			yield { type: "done", finishReason: finish ?? "stop", usage };
		},
	};
}
