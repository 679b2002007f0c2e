/**
 * The Ollama native backend against a fake Ollama server on loopback:
 * NDJSON streaming from /api/chat with done_reason and token counts, models
 * from /api/tags, errors mapped to job error codes, and cancellation closing
 * the backend request. The OpenAI backend's cancellation is checked the same way.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOllamaBackend, ollamaChatBody } from "../../node-agent/src/backends/ollama.js";
import { createOpenAiBackend } from "../../node-agent/src/backends/openai-compatible.js";
import { BackendError, type ChatPart } from "../../node-agent/src/backends/types.js";

let server: Server;
let url = "";
const bodies: Record<string, unknown>[] = [];
/** Requests whose client went away before the server finished, by model. */
const closedEarly: string[] = [];

function line(res: ServerResponse, o: unknown): void {
	res.write(`${JSON.stringify(o)}\n`);
}

function endless(req: IncomingMessage, res: ServerResponse, model: string, sse: boolean): void {
	res.writeHead(200, { "content-type": sse ? "text/event-stream" : "application/x-ndjson" });
	const timer = setInterval(() => {
		if (sse) res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "x" } }] })}\n\n`);
		else line(res, { model, message: { role: "assistant", content: "x" }, done: false });
	}, 10);
	res.on("close", () => {
		clearInterval(timer);
		if (!res.writableEnded) closedEarly.push(model);
	});
	// Bounded: even if nobody cancels, the stream ends after two seconds.
	setTimeout(() => res.end(), 2000).unref();
	void req;
}

beforeAll(async () => {
	server = createServer((req, res) => {
		let raw = "";
		req.on("data", (c) => {
			raw += c;
		});
		req.on("end", () => {
			if (req.method === "GET" && req.url === "/api/tags") {
				res.writeHead(200, { "content-type": "application/json" });
				return res.end(
					JSON.stringify({ models: [{ name: "llama3.1:8b", model: "llama3.1:8b", size: 1 }, { name: "qwen2.5:7b" }] }),
				);
			}
			const body = JSON.parse(raw || "{}") as { model: string };
			bodies.push(body);
			if (req.url === "/v1/chat/completions") return endless(req, res, body.model, true);
			if (body.model === "missing") {
				res.writeHead(404, { "content-type": "application/json" });
				return res.end(JSON.stringify({ error: 'model "missing" not found, try pulling it first' }));
			}
			if (body.model === "busy") {
				res.writeHead(503, { "content-type": "application/json" });
				return res.end(JSON.stringify({ error: "server busy, please try again.  maximum pending requests exceeded" }));
			}
			if (body.model === "slow") return endless(req, res, body.model, false);
			res.writeHead(200, { "content-type": "application/x-ndjson" });
			if (body.model === "long") {
				return res.end(`${JSON.stringify({ error: "the input length exceeds the context length" })}\n`);
			}
			line(res, { model: body.model, message: { role: "assistant", content: "Hel" }, done: false });
			// A record split across two writes: the reader must buffer until the newline.
			const second = JSON.stringify({ model: body.model, message: { role: "assistant", content: "lo" }, done: false });
			res.write(second.slice(0, 15));
			res.write(`${second.slice(15)}\n`);
			if (body.model === "cut") return res.end();
			res.end(
				`${JSON.stringify({ model: body.model, message: { role: "assistant", content: "" }, done: true, done_reason: "length", prompt_eval_count: 26, eval_count: 2 })}\n`,
			);
		});
	});
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
	server.closeAllConnections();
	return new Promise<void>((r) => server.close(() => r()));
});

async function collect(model: string, signal = new AbortController().signal): Promise<ChatPart[]> {
	const parts: ChatPart[] = [];
	const backend = createOllamaBackend({ url });
	for await (const p of backend.chat(model, { messages: [{ role: "user", content: "hi" }], max_tokens: 2 }, signal)) {
		parts.push(p);
	}
	return parts;
}

async function failure(model: string): Promise<BackendError> {
	try {
		await collect(model);
	} catch (err) {
		if (err instanceof BackendError) return err;
		throw err;
	}
	throw new Error(`expected ${model} to fail`);
}

async function waitFor(check: () => boolean): Promise<void> {
	for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe("ollama native backend", () => {
	it("lists the models of /api/tags", async () => {
		expect(await createOllamaBackend({ url }).listModels()).toEqual(["llama3.1:8b", "qwen2.5:7b"]);
	});

	it("streams NDJSON deltas and maps done_reason and eval counts to finish reason and usage", async () => {
		const parts = await collect("llama3.1:8b");
		expect(parts.slice(0, 2)).toEqual([
			{ type: "delta", text: "Hel" },
			{ type: "delta", text: "lo" },
		]);
		// An unstreamed job ends with the whole answer in OpenAI's shape.
		expect(parts[2]).toMatchObject({
			type: "done",
			finishReason: "length",
			usage: { prompt_tokens: 26, completion_tokens: 2 },
			response: { object: "chat.completion", choices: [{ message: { content: "Hello" }, finish_reason: "length" }] },
		});
		expect(bodies.at(-1)).toMatchObject({ model: "llama3.1:8b", stream: true, options: { num_predict: 2 } });
	});

	it("moves OpenAI sampling fields under options and flattens content parts", () => {
		const body = ollamaChatBody("m", {
			messages: [
				{
					role: "user",
					content: [
						{ type: "text", text: "a" },
						{ type: "text", text: "b" },
					],
				},
			],
			temperature: 0.2,
			top_p: 0.9,
			stop: ["\n"],
			seed: 7,
		});
		expect(body).toEqual({
			model: "m",
			stream: true,
			messages: [{ role: "user", content: "ab" }],
			options: { temperature: 0.2, top_p: 0.9, stop: ["\n"], seed: 7 },
		});
	});

	it("maps a missing model to model_not_found, busy to retryable backend_overloaded, and a long prompt to context_length_exceeded", async () => {
		expect(await failure("missing")).toMatchObject({ code: "model_not_found", retryable: false });
		expect(await failure("busy")).toMatchObject({ code: "backend_overloaded", retryable: true });
		expect(await failure("long")).toMatchObject({ code: "context_length_exceeded", retryable: false });
	});

	it("fails retryably when the stream ends without done", async () => {
		expect(await failure("cut")).toMatchObject({ code: "backend_error", retryable: true });
	});

	it("maps a refused connection to backend_unreachable", async () => {
		const backend = createOllamaBackend({ url: "http://127.0.0.1:9" });
		await expect(backend.listModels()).rejects.toMatchObject({ code: "backend_unreachable", retryable: true });
	});

	it("closes the backend request when the job is cancelled", async () => {
		const abort = new AbortController();
		const seen: ChatPart[] = [];
		const run = (async () => {
			for await (const p of createOllamaBackend({ url }).chat(
				"slow",
				{ messages: [{ role: "user", content: "hi" }] },
				abort.signal,
			)) {
				seen.push(p);
				if (seen.length === 3) abort.abort("cancelled");
			}
		})();
		await expect(run).rejects.toBeDefined();
		await waitFor(() => closedEarly.includes("slow"));
		expect(closedEarly).toContain("slow");
	});
});

describe("openai-compatible backend cancellation", () => {
	it("closes the backend request when the job is cancelled", async () => {
		const abort = new AbortController();
		let seen = 0;
		const run = (async () => {
			for await (const _ of createOpenAiBackend({ url }).chat(
				"openai-slow",
				{ messages: [{ role: "user", content: "hi" }], stream: true },
				abort.signal,
			)) {
				seen += 1;
				if (seen === 3) abort.abort("cancelled");
			}
		})();
		await expect(run).rejects.toBeDefined();
		await waitFor(() => closedEarly.includes("openai-slow"));
		expect(closedEarly).toContain("openai-slow");
	});
});
