/**
 * Backend for OpenAI-compatible inference servers: vLLM, llama.cpp server,
 * Ollama's /v1, TGI and others. It sends the client's body to the endpoint it
 * names, as it came, and hands back what the server answers as it came: each
 * stream chunk, or the whole response (ADR 0016). For a streamed job whose
 * client did not ask for usage, it asks the server (`stream_options`) so the
 * edge can count tokens, and takes that usage out of what it relays.
 */
import type { InferenceRequest, TokenUsage } from "../../../src/protocol/agent-wire.js";
import { isJsonObject, type JsonObject } from "../../../src/protocol/json-value.js";
import * as z from "../../../src/protocol/zod-mini.js";
import { type HttpFetch, type HttpRequestInit, type HttpResponse, httpFetch } from "../http-fetch.js";
import { SseParser } from "../sse-parse.js";
import { classifyHttpFailure, classifyNetworkFailure } from "./errors.js";
import { chunkText, finishReasonOf, usageOf } from "./openai-chunks.js";
import { splitRequest } from "./request-body.js";
import { type Backend, BackendError, type ChatPart } from "./types.js";

export interface OpenAiBackendOptions {
	/** Server root, e.g. http://127.0.0.1:8000; `/v1/...` is appended. */
	url: string;
	/** Sent as `Authorization: Bearer` when set. */
	apiKey?: string | undefined;
	fetch?: HttpFetch;
}

/** An error object sent inside the stream (vLLM and llama.cpp do so when generation fails mid-way): `error` and no `choices`. */
function isErrorBody(json: JsonObject): boolean {
	return "error" in json && !("choices" in json);
}
const modelsSchema = z.object({ data: z.array(z.object({ id: z.string() })) });

/** Whether the client itself asked for the usage chunk. */
function clientWantsUsage(body: JsonObject): boolean {
	const options = body.stream_options;
	return isJsonObject(options) && options.include_usage === true;
}

/** Request headers a job adds (its traceparent). */
type ExtraHeaders = Readonly<Record<string, string>>;

/** Creates the OpenAI-compatible backend. */
export function createOpenAiBackend(options: OpenAiBackendOptions): Backend {
	const base = options.url.replace(/\/+$/, "");
	const doFetch = options.fetch ?? httpFetch;
	const headers = (extra?: Readonly<Record<string, string>>): Record<string, string> => ({
		...extra,
		"content-type": "application/json",
		...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
	});

	async function request(path: string, init: HttpRequestInit): Promise<HttpResponse> {
		let res: HttpResponse;
		try {
			res = await doFetch(`${base}${path}`, { ...init, headers: headers(init.headers) });
		} catch (err) {
			throw classifyNetworkFailure(err);
		}
		if (!res.ok) throw classifyHttpFailure(res.status, await res.text().catch(() => ""));
		return res;
	}

	/** Sends an unstreamed request and hands back the whole response. */
	async function* unstreamed(
		path: string,
		body: JsonObject,
		signal: AbortSignal,
		extra?: ExtraHeaders,
	): AsyncGenerator<ChatPart> {
		const res = await request(path, { method: "POST", body: JSON.stringify(body), signal, headers: { ...extra } });
		let json: unknown;
		try {
			json = await res.json();
		} catch (err) {
			if (signal.aborted) throw err;
			throw new BackendError("backend_error", `POST ${path}: the response is not JSON`, true, { cause: err });
		}
		if (!isJsonObject(json))
			throw new BackendError("backend_error", `POST ${path}: the response is not an object`, false);
		if (isErrorBody(json)) throw classifyHttpFailure(500, JSON.stringify(json.error));
		yield { type: "done", finishReason: finishReasonOf(json) ?? "stop", usage: usageOf(json), response: json };
	}

	/** Sends a streamed request and hands back each chunk as it came. */
	async function* streamed(
		path: string,
		body: JsonObject,
		signal: AbortSignal,
		extra?: ExtraHeaders,
	): AsyncGenerator<ChatPart> {
		const ownUsage = !clientWantsUsage(body);
		const sent = ownUsage
			? {
					...body,
					stream_options: { ...(isJsonObject(body.stream_options) ? body.stream_options : {}), include_usage: true },
				}
			: body;
		const res = await request(path, { method: "POST", body: JSON.stringify(sent), signal, headers: { ...extra } });
		let finish: string | null = null;
		let usage: TokenUsage | null = null;
		let ended = false;
		/** Reads one event's data; returns the part to relay, if any. */
		const read = (data: string): ChatPart | null => {
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
			if (!isJsonObject(json)) return null;
			// An error object in place of a chunk. Checked by hand: a zod schema here failed, at some cost, on every chunk.
			if (isErrorBody(json)) throw classifyHttpFailure(500, JSON.stringify(json.error));
			usage = usageOf(json) ?? usage;
			finish = finishReasonOf(json) ?? finish;
			if (ownUsage) {
				// The usage the agent asked for is not the client's: drop its chunk, and the `usage: null` on the others.
				const choices = json.choices;
				if (Array.isArray(choices) && choices.length === 0) return null;
				const { usage: _usage, ...chunk } = json;
				return { type: "delta", text: chunkText(chunk), chunk };
			}
			return { type: "delta", text: chunkText(json), chunk: json };
		};
		const sse = new SseParser();
		try {
			// Read to the end of the body rather than stopping at [DONE]: leaving early destroys the
			// socket, and the next job would pay for a new connection to the backend.
			for await (const bytes of res.body) {
				for (const data of sse.push(bytes)) {
					const part = read(data);
					if (part) yield part;
				}
			}
			for (const data of sse.end()) {
				const part = read(data);
				if (part) yield part;
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
		chat(model: string, req: InferenceRequest, signal: AbortSignal, extra?: ExtraHeaders): AsyncIterable<ChatPart> {
			const { endpoint, body } = splitRequest(req);
			const path = `/v1/${endpoint}`;
			const sent: JsonObject = { ...body, model };
			return sent.stream === true && endpoint !== "embeddings"
				? streamed(path, sent, signal, extra)
				: unstreamed(path, sent, signal, extra);
		},
	};
}
