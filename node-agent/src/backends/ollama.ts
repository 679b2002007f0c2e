/**
 * Backend for Ollama's native API: `POST /api/chat` streaming NDJSON and
 * `GET /api/tags` for the models pulled on the host. Ollama's /v1 API works
 * through the openai backend too; the native one reports exact token counts
 * (`prompt_eval_count`, `eval_count`) and why generation stopped
 * (`done_reason`), and is what older Ollama versions offer.
 */
import type { InferenceRequest } from "../../../src/protocol/agent-wire.js";
import { isJsonObject } from "../../../src/protocol/json-value.js";
import * as z from "../../../src/protocol/zod-mini.js";
import { type HttpFetch, type HttpRequestInit, type HttpResponse, httpFetch } from "../http-fetch.js";
import { classifyHttpFailure, classifyNetworkFailure } from "./errors.js";
import { readLines } from "./ndjson.js";
import { ollamaChatBody } from "./ollama-request.js";

export { ollamaChatBody } from "./ollama-request.js";

import { OllamaAnswer } from "./ollama-answer.js";
import { splitRequest } from "./request-body.js";
import { type Backend, BackendError, type ChatPart, type FinishReason } from "./types.js";

export interface OllamaBackendOptions {
	/** Server root, e.g. http://127.0.0.1:11434; `/api/...` is appended. */
	url: string;
	fetch?: HttpFetch;
}

const tagsSchema = z.object({ models: z.array(z.object({ name: z.string(), model: z.optional(z.string()) })) });
const chunkSchema = z.object({
	message: z.nullish(
		z.object({
			content: z.optional(z.string()),
			thinking: z.optional(z.string()),
			tool_calls: z.optional(
				z.array(z.object({ function: z.object({ name: z.string(), arguments: z.optional(z.unknown()) }) })),
			),
		}),
	),
	done: z.optional(z.boolean()),
	done_reason: z.nullish(z.string()),
	prompt_eval_count: z.nullish(z.int().check(z.minimum(0))),
	eval_count: z.nullish(z.int().check(z.minimum(0))),
	error: z.optional(z.string()),
});

/** Ollama's done_reason to the protocol's finish reason ("length" when num_predict cut it short). */
export function finishReasonOfOllama(raw: string | null | undefined): FinishReason {
	return raw === "length" ? "length" : "stop";
}

/** Creates the Ollama native backend. */
export function createOllamaBackend(options: OllamaBackendOptions): Backend {
	const base = options.url.replace(/\/+$/, "");
	const doFetch = options.fetch ?? httpFetch;

	async function request(path: string, init: HttpRequestInit): Promise<HttpResponse> {
		let res: HttpResponse;
		try {
			res = await doFetch(`${base}${path}`, {
				...init,
				headers: { ...init.headers, "content-type": "application/json" },
			});
		} catch (err) {
			throw classifyNetworkFailure(err);
		}
		if (!res.ok) throw classifyHttpFailure(res.status, await res.text().catch(() => ""));
		return res;
	}

	return {
		kind: "ollama",
		async listModels(signal) {
			const res = await request("/api/tags", { method: "GET", signal: signal ?? null });
			const parsed = tagsSchema.safeParse(await res.json().catch(() => null));
			if (!parsed.success)
				throw new BackendError("backend_error", "GET /api/tags: expected { models: [{ name }] }", false);
			return parsed.data.models.map((m) => m.name);
		},
		async *chat(
			model: string,
			req: InferenceRequest,
			signal: AbortSignal,
			headers?: Readonly<Record<string, string>>,
		): AsyncGenerator<ChatPart> {
			const body = JSON.stringify(ollamaChatBody(model, req));
			const { body: client } = splitRequest(req);
			const options = isJsonObject(client.stream_options) ? client.stream_options : {};
			const answer = new OllamaAnswer(model, client.stream === true, options.include_usage === true);
			const res = await request("/api/chat", { method: "POST", body, signal, headers: { ...headers } });
			try {
				for await (const line of readLines(res.body)) {
					let json: unknown;
					try {
						json = JSON.parse(line);
					} catch {
						throw new BackendError(
							"backend_error",
							`ollama sent a line that is not JSON: ${line.slice(0, 100)}`,
							false,
						);
					}
					const chunk = chunkSchema.safeParse(json);
					if (!chunk.success) continue;
					// A failure after the headers arrives as {"error": "..."}; classify its text as a refused
					// request (400), so context-length and missing-model messages keep their codes.
					if (chunk.data.error !== undefined) throw classifyHttpFailure(400, chunk.data.error);
					const part = answer.message(chunk.data.message);
					if (part) yield part;
					if (chunk.data.done) {
						const { prompt_eval_count: p, eval_count: e } = chunk.data;
						const usage = typeof e === "number" ? { prompt_tokens: p ?? 0, completion_tokens: e } : null;
						yield* answer.end(chunk.data.done_reason, usage);
						return;
					}
				}
			} catch (err) {
				if (err instanceof BackendError || signal.aborted) throw err;
				throw classifyNetworkFailure(err);
			}
			throw new BackendError("backend_error", "ollama closed the stream before done", true);
		},
	};
}
