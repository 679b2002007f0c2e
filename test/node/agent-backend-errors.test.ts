import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyHttpFailure } from "../../node-agent/src/backends/errors.js";
import { createOpenAiBackend } from "../../node-agent/src/backends/openai-compatible.js";
import type { ChatPart } from "../../node-agent/src/backends/types.js";

/** A fake OpenAI-compatible server whose answer depends on the requested model. */
let server: Server;
let url = "";
const seenBodies: unknown[] = [];
let connections = 0;

beforeAll(async () => {
	server = createServer((req, res) => {
		let body = "";
		req.on("data", (c) => {
			body += c;
		});
		req.on("end", () => {
			if (req.method === "GET" && req.url === "/v1/models") {
				res.writeHead(200, { "content-type": "application/json" });
				return res.end(JSON.stringify({ object: "list", data: [{ id: "llama3.1:8b" }, { id: "qwen2.5" }] }));
			}
			const parsed = JSON.parse(body) as { model: string };
			seenBodies.push(parsed);
			const fail = (status: number, message: string) => {
				res.writeHead(status, { "content-type": "application/json" });
				res.end(JSON.stringify({ error: { message } }));
			};
			if (parsed.model === "missing") return fail(404, "The model `missing` does not exist.");
			if (parsed.model === "busy") return fail(429, "rate limited");
			if (parsed.model === "starting") return fail(503, "loading");
			if (parsed.model === "long") return fail(400, "This model's maximum context length is 4096 tokens.");
			if (parsed.model === "bad") return fail(400, "temperature must be <= 2");
			if (parsed.model === "crash") return fail(500, "CUDA out of memory");
			res.writeHead(200, { "content-type": "text/event-stream" });
			const chunk = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
			res.write(chunk({ choices: [{ index: 0, delta: { role: "assistant" } }] }));
			if (parsed.model === "cut") return res.end(chunk({ choices: [{ index: 0, delta: { content: "Hel" } }] }));
			if (parsed.model === "done-only") {
				res.write(chunk({ choices: [{ index: 0, delta: { content: "Hel" } }] }));
				return res.end("data: [DONE]\n\n");
			}
			if (parsed.model === "midstream") {
				res.write(chunk({ choices: [{ index: 0, delta: { content: "Hel" } }], error: "not an error: it has choices" }));
				return res.end(chunk({ error: { message: "CUDA out of memory" } }));
			}
			res.write(chunk({ choices: [{ index: 0, delta: { content: "Hel" } }] }).slice(0, 20));
			res.write(chunk({ choices: [{ index: 0, delta: { content: "Hel" } }] }).slice(20));
			res.write(chunk({ choices: [{ index: 0, delta: { content: "lo" }, finish_reason: "length" }] }));
			if (parsed.model !== "no-usage") {
				res.write(chunk({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } }));
			}
			res.end("data: [DONE]\n\n");
		});
	});
	server.on("connection", () => {
		connections++;
	});
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function chat(model: string, backendUrl = url): Promise<ChatPart[]> {
	const backend = createOpenAiBackend({ url: backendUrl, apiKey: "k" });
	const parts: ChatPart[] = [];
	for await (const p of backend.chat(
		model,
		{ messages: [{ role: "user", content: "hi" }], stream: true },
		new AbortController().signal,
	)) {
		parts.push(p);
	}
	return textParts(parts);
}

/** The parts as text deltas and the end: each chunk is relayed as well (tested in openai-conformance), not compared here. */
function textParts(parts: ChatPart[]): ChatPart[] {
	const out: ChatPart[] = [];
	for (const p of parts) {
		if (p.type !== "delta") out.push(p);
		else if (p.text) out.push({ type: "delta", text: p.text });
	}
	return out;
}

describe("agent OpenAI-compatible backend", () => {
	it("discovers models with GET /v1/models", async () => {
		expect(await createOpenAiBackend({ url: `${url}/` }).listModels()).toEqual(["llama3.1:8b", "qwen2.5"]);
	});

	it("streams deltas and ends with the backend's finish reason and usage", async () => {
		expect(await chat("llama3.1:8b")).toEqual([
			{ type: "delta", text: "Hel" },
			{ type: "delta", text: "lo" },
			{ type: "done", finishReason: "length", usage: { prompt_tokens: 9, completion_tokens: 2 } },
		]);
		expect(seenBodies.at(-1)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
	});

	it("keeps its connection to the backend open from one job to the next (reads each stream to its end)", async () => {
		await chat("llama3.1:8b");
		const before = connections;
		for (let i = 0; i < 3; i++) await chat("llama3.1:8b");
		expect(connections - before).toBe(0);
	});

	it("ends with null usage when the backend sends none", async () => {
		expect((await chat("no-usage")).at(-1)).toEqual({ type: "done", finishReason: "length", usage: null });
	});

	it.each([
		["missing", "model_not_found", false],
		["busy", "backend_overloaded", true],
		["starting", "backend_overloaded", true],
		["long", "context_length_exceeded", false],
		["bad", "backend_error", false],
		["crash", "backend_error", false],
	] as const)("maps the backend's answer for model %s to %s (retryable %s)", async (model, code, retryable) => {
		await expect(chat(model)).rejects.toMatchObject({ name: "BackendError", code, retryable });
	});

	it("fails a stream whose backend sends an error object in place of a chunk, after the deltas before it", async () => {
		const backend = createOpenAiBackend({ url });
		const parts: ChatPart[] = [];
		const reading = (async () => {
			const stream = backend.chat(
				"midstream",
				{ messages: [{ role: "user", content: "hi" }], stream: true },
				new AbortController().signal,
			);
			for await (const p of stream) parts.push(p);
		})();
		await expect(reading).rejects.toMatchObject({
			name: "BackendError",
			code: "backend_error",
			message: /CUDA out of memory/,
		});
		expect(textParts(parts)).toEqual([{ type: "delta", text: "Hel" }]);
	});

	it("fails retryably when the stream ends with neither [DONE] nor a finish_reason, as the Ollama backend does", async () => {
		await expect(chat("cut")).rejects.toMatchObject({
			name: "BackendError",
			code: "backend_error",
			retryable: true,
			message: /before \[DONE\] or a finish_reason/,
		});
	});

	it("accepts a stream that ends with [DONE] and no finish_reason", async () => {
		expect(await chat("done-only")).toEqual([
			{ type: "delta", text: "Hel" },
			{ type: "done", finishReason: "stop", usage: null },
		]);
	});

	it("maps a refused connection to retryable backend_unreachable", async () => {
		const closed = createServer();
		await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
		const port = (closed.address() as AddressInfo).port;
		await new Promise<void>((r) => closed.close(() => r()));
		await expect(chat("llama3.1:8b", `http://127.0.0.1:${port}`)).rejects.toMatchObject({
			code: "backend_unreachable",
			retryable: true,
		});
	});

	it("treats a 404 without a body as model_not_found", () => {
		expect(classifyHttpFailure(404, "")).toMatchObject({ code: "model_not_found" });
		expect(classifyHttpFailure(400, "prompt is too long")).toMatchObject({ code: "context_length_exceeded" });
	});
});
