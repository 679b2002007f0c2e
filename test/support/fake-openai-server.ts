/**
 * A deterministic OpenAI-compatible inference server on loopback, standing in
 * for vLLM / llama.cpp / Ollama in end-to-end tests and the benchmark. Its
 * answer to a prompt is predictable ("Echo: " + the last user message, one
 * token per word), so a test can assert the exact content that must come out
 * of the edge after passing through the agent and the GeozoneDO. It also
 * answers Ollama's native /api/ routes with the conformance scenarios.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import {
	type ChatMessage,
	chatCompletionRequestSchema,
	completionRequestSchema,
	embeddingRequestSchema,
} from "../../src/protocol/openai.js";
import { ollamaNativeRoute } from "./fake-ollama-native.js";
import { type FillMode, filledCompletion } from "./fake-openai-fill.js";
import { scenarioChunks, scenarioFor, scenarioResponse } from "./fake-openai-scenarios.js";

/** Options of the fake server, validated on start. */
export const fakeOpenAIOptionsSchema = z.object({
	/** Models listed by GET /v1/models and accepted by completions. Default: ["llama-3.1-8b-instruct"]. */
	models: z.array(z.string().min(1).max(200)).min(1).max(100).default(["llama-3.1-8b-instruct"]),
	/** Delay before each token, in ms (0 to 10,000; fractions allowed, e.g. 1000 / tokens per second). Default 0. */
	tokenDelayMs: z.number().min(0).max(10_000).default(0),
	/** TCP port on 127.0.0.1; 0 (the default) lets the OS pick a free one. */
	port: z.number().int().min(0).max(65_535).default(0),
});
export type FakeOpenAIOptions = z.input<typeof fakeOpenAIOptionsSchema>;

/** Behaviours a test can switch while the server runs; all off by default. */
export interface FakeOpenAIControls {
	/** Answer 503 to the first completion request of each conversation (its messages), then answer normally. */
	failEachConversationOnce: boolean;
	/** Leave GET /v1/models unanswered with the connection open, as a wedged server would. */
	hangModelList: boolean;
	/** Delay before a streaming answer's first chunk (after its headers), or before an unstreamed answer, in ms. */
	firstTokenDelayMs: number;
	/** Load mode (fake-openai-fill.ts): streamed answers of max_tokens filler tokens, paced on a fixed schedule. */
	fill: FillMode | null;
}

/** A running fake server. */
export interface FakeOpenAIServer {
	/** Switches read on every request. */
	readonly controls: FakeOpenAIControls;
	/** GET /v1/models requests received so far (answered or hung). */
	readonly modelListCount: number;
	/** Base URL without /v1, e.g. http://127.0.0.1:41234. */
	readonly url: string;
	/** Chat completion requests received so far. */
	readonly requestCount: number;
	/** The `traceparent` header of each chat completion request received, in order (null where none was sent). */
	readonly traceparents: readonly (string | null)[];
	/** Streaming requests whose client (the agent) closed the connection before the answer ended. */
	readonly abortedCount: number;
	/** Streaming requests being answered now. */
	readonly openStreams: number;
	close(): Promise<void>;
}

/** What the fake server answers to a conversation: the content, its tokens and the usage it reports. */
export interface ExpectedCompletion {
	content: string;
	tokens: string[];
	finishReason: "stop" | "length";
	usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

function textOf(message: ChatMessage): string {
	const content = message.content;
	if (typeof content === "string") return content;
	return (content ?? []).map((p) => (p.type === "text" ? p.text : "")).join("");
}

function wordCount(text: string): number {
	return text.split(/\s+/).filter((w) => w.length > 0).length;
}

/** The completion the fake server produces for `messages`, cut to `maxTokens` when given. */
export function expectedCompletion(messages: readonly ChatMessage[], maxTokens?: number): ExpectedCompletion {
	const lastUser = [...messages].reverse().find((m) => m.role === "user");
	const words = `Echo: ${lastUser ? textOf(lastUser) : ""}`.split(/\s+/).filter((w) => w.length > 0);
	const all = words.map((w, i) => (i === 0 ? w : ` ${w}`));
	const tokens = maxTokens !== undefined && maxTokens < all.length ? all.slice(0, maxTokens) : all;
	const promptTokens = messages.reduce((n, m) => n + wordCount(textOf(m)), 0);
	return {
		content: tokens.join(""),
		tokens,
		finishReason: tokens.length < all.length ? "length" : "stop",
		usage: {
			prompt_tokens: promptTokens,
			completion_tokens: tokens.length,
			total_tokens: promptTokens + tokens.length,
		},
	};
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
	res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, code: string | null, param: string | null) {
	sendJson(res, status, { error: { message, type: "invalid_request_error", param, code } });
}

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString("utf8");
}

function sendSse(res: ServerResponse, chunks: readonly object[]): void {
	res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
	for (const chunk of chunks) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
	res.end("data: [DONE]\n\n");
}

async function readJson(req: IncomingMessage): Promise<unknown> {
	try {
		return JSON.parse(await readBody(req));
	} catch {
		return null;
	}
}

/** POST /v1/completions: "Echo: " + the prompt, one token per word, as a text completion. */
async function legacyCompletion(req: IncomingMessage, res: ServerResponse, models: readonly string[], id: string) {
	const parsed = completionRequestSchema.safeParse(await readJson(req));
	if (!parsed.success) return sendError(res, 400, parsed.error.message, null, null);
	const body = parsed.data;
	if (!models.includes(body.model)) return sendError(res, 404, `model: ${body.model}`, "model_not_found", "model");
	const prompt = typeof body.prompt === "string" ? body.prompt : JSON.stringify(body.prompt);
	const answer = expectedCompletion([{ role: "user", content: prompt }], body.max_tokens);
	const base = {
		id,
		object: "text_completion",
		created: Math.floor(Date.now() / 1000),
		model: body.model,
		system_fingerprint: "fp_fake",
	};
	const choice = (text: string, finish: string | null) => ({ index: 0, text, logprobs: null, finish_reason: finish });
	if (!body.stream) {
		return sendJson(res, 200, { ...base, choices: [choice(answer.content, answer.finishReason)], usage: answer.usage });
	}
	const chunks: object[] = answer.tokens.map((t) => ({ ...base, choices: [choice(t, null)] }));
	chunks.push({ ...base, choices: [choice("", answer.finishReason)] });
	if (body.stream_options?.include_usage) chunks.push({ ...base, choices: [], usage: answer.usage });
	sendSse(res, chunks);
}

/** POST /v1/embeddings: a small vector per input, derived from its length and position. */
async function embeddings(req: IncomingMessage, res: ServerResponse, models: readonly string[]) {
	const parsed = embeddingRequestSchema.safeParse(await readJson(req));
	if (!parsed.success) return sendError(res, 400, parsed.error.message, null, null);
	const body = parsed.data;
	if (!models.includes(body.model)) return sendError(res, 404, `model: ${body.model}`, "model_not_found", "model");
	const inputs = Array.isArray(body.input) ? body.input : [body.input];
	const data = inputs.map((input, index) => ({
		object: "embedding",
		index,
		embedding: [String(input).length / 100, index / 10, 0.5],
	}));
	const tokens = inputs.reduce<number>((n, input) => n + wordCount(String(input)), 0);
	sendJson(res, 200, {
		object: "list",
		data,
		model: body.model,
		usage: { prompt_tokens: tokens, total_tokens: tokens },
	});
}

/** Starts the fake server on 127.0.0.1. */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAIServer> {
	const config = fakeOpenAIOptionsSchema.parse(options);
	let requestCount = 0;
	let abortedCount = 0;
	let openStreams = 0;
	let nextId = 1;
	let modelListCount = 0;
	const traceparents: (string | null)[] = [];
	const controls: FakeOpenAIControls = {
		failEachConversationOnce: false,
		hangModelList: false,
		firstTokenDelayMs: 0,
		fill: null,
	};
	const failedOnce = new Set<string>();

	const complete = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
		let json: unknown;
		try {
			json = JSON.parse(await readBody(req));
		} catch {
			return sendError(res, 400, "body: expected JSON", null, null);
		}
		const parsed = chatCompletionRequestSchema.safeParse(json);
		if (!parsed.success) {
			const issue = parsed.error.issues[0];
			const param = issue ? issue.path.join(".") : null;
			return sendError(res, 400, `${param}: ${issue?.message ?? "invalid"}`, null, param);
		}
		const body = parsed.data;
		if (!config.models.includes(body.model)) {
			const msg = `model: "${body.model}" does not exist; served: ${config.models.join(", ")}`;
			return sendError(res, 404, msg, "model_not_found", "model");
		}
		requestCount += 1;
		const traceparent = req.headers.traceparent;
		traceparents.push(typeof traceparent === "string" ? traceparent : null);
		const conversation = JSON.stringify(body.messages);
		if (controls.failEachConversationOnce && !failedOnce.has(conversation)) {
			failedOnce.add(conversation);
			return sendError(res, 503, "overloaded: try again", null, null);
		}
		const maxTokens = body.max_completion_tokens ?? body.max_tokens;
		const fill = body.stream ? controls.fill : null;
		const echo = expectedCompletion(body.messages, maxTokens);
		const answer = fill ? filledCompletion(maxTokens ?? fill.defaultTokens, echo.usage.prompt_tokens) : echo;
		const id = `chatcmpl-fake${nextId++}`;
		const created = Math.floor(Date.now() / 1000);
		const base = { id, created, model: body.model };
		const lastUser = [...body.messages].reverse().find((m) => m.role === "user");
		const scenario = lastUser ? scenarioFor(textOf(lastUser)) : null;
		if (scenario) {
			const scripted = { ...base, system_fingerprint: "fp_fake" };
			if (!body.stream) return sendJson(res, 200, scenarioResponse(scenario, scripted));
			const chunks = scenarioChunks(scenario, scripted, body.stream_options?.include_usage === true);
			return sendSse(res, chunks);
		}
		if (!body.stream) {
			// An unstreamed answer waits for its first token too, then for the rest.
			if (controls.firstTokenDelayMs > 0) await sleep(controls.firstTokenDelayMs);
			if (config.tokenDelayMs > 0) await sleep(config.tokenDelayMs * answer.tokens.length);
			const message = { role: "assistant", content: answer.content };
			const choice = { index: 0, message, logprobs: null, finish_reason: answer.finishReason };
			return sendJson(res, 200, { ...base, object: "chat.completion", choices: [choice], usage: answer.usage });
		}
		res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
		let aborted = false;
		openStreams += 1;
		res.on("close", () => {
			openStreams -= 1;
			aborted = !res.writableFinished;
			if (aborted) abortedCount += 1;
		});
		const chunk = (delta: object, finish: string | null) => ({
			...base,
			object: "chat.completion.chunk",
			choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
		});
		const write = (data: object | string) =>
			res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
		if (controls.firstTokenDelayMs > 0) await sleep(controls.firstTokenDelayMs);
		if (aborted) return;
		write(chunk({ role: "assistant", content: "" }, null));
		// Load mode paces tokens on a fixed schedule, so timer lateness does not slow the stream's rate.
		const startedAt = performance.now();
		const prompt = lastUser ? textOf(lastUser) : "";
		for (const [i, token] of answer.tokens.entries()) {
			const delay = fill ? startedAt + (i + 1) * config.tokenDelayMs - performance.now() : config.tokenDelayMs;
			if (delay > 0) await sleep(delay);
			if (aborted) return;
			write(chunk({ content: token }, null));
			fill?.onTokenSent?.(prompt, i, performance.now());
		}
		write(chunk({}, answer.finishReason));
		if (body.stream_options?.include_usage) {
			write({ ...base, object: "chat.completion.chunk", choices: [], usage: answer.usage });
		}
		write("[DONE]");
		res.end();
	};

	const server = createServer((req, res) => {
		const path = (req.url ?? "/").split("?")[0];
		if (req.method === "GET" && path === "/v1/models") {
			modelListCount += 1;
			// Hung: closeAllConnections() on close() ends it.
			if (controls.hangModelList) return;
			const data = config.models.map((id) => ({ id, object: "model", created: 0, owned_by: "fake-openai" }));
			return sendJson(res, 200, { object: "list", data });
		}
		if (req.method === "GET" && (path === "/health" || path === "/healthz")) return sendJson(res, 200, { ok: true });
		// Ollama's native API beside OpenAI's, for an agent on the Ollama backend (fake-ollama-native.ts).
		if (path?.startsWith("/api/") && ollamaNativeRoute(req, res, config.models)) return;
		if (req.method === "POST" && path === "/v1/chat/completions") {
			complete(req, res).catch((err: unknown) => {
				if (!res.headersSent) sendError(res, 500, err instanceof Error ? err.message : String(err), null, null);
				else res.destroy();
			});
			return;
		}
		if (req.method === "POST" && (path === "/v1/completions" || path === "/v1/embeddings")) {
			requestCount += 1;
			const answer =
				path === "/v1/completions"
					? legacyCompletion(req, res, config.models, `cmpl-fake${nextId++}`)
					: embeddings(req, res, config.models);
			answer.catch((err: unknown) => sendError(res, 500, err instanceof Error ? err.message : String(err), null, null));
			return;
		}
		sendError(res, 404, `${req.method} ${path}: no such route`, "not_found", null);
	});
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(config.port, "127.0.0.1", () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		controls,
		get modelListCount() {
			return modelListCount;
		},
		get requestCount() {
			return requestCount;
		},
		get traceparents() {
			return traceparents;
		},
		get abortedCount() {
			return abortedCount;
		},
		get openStreams() {
			return openStreams;
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
