/**
 * The agent learns what its backend serves of each model (endpoints, extra
 * inputs, context length) from fake vLLM, llama.cpp and Ollama servers on
 * loopback, and reports it in telemetry.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackendWatch } from "../../node-agent/src/backend-watch.js";
import { createModelDescriber } from "../../node-agent/src/backends/model-details.js";
import type { Backend } from "../../node-agent/src/backends/types.js";
import { createLogger } from "../../node-agent/src/logger.js";
import { createTelemetryBuilder } from "../../node-agent/src/telemetry/reporter.js";
import { telemetryRequestSchema } from "../../src/protocol/agent-wire.js";
import { waitFor } from "./agent-fake-edge.js";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
const servers: Server[] = [];

async function fakeServer(handler: Handler): Promise<string> {
	const server = createServer((req, res) => {
		let body = "";
		req.on("data", (c: Buffer) => {
			body += c.toString();
		});
		req.on("end", () => handler(req, body, res));
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	servers.push(server);
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function json(res: ServerResponse, status: number, o: unknown): void {
	res.writeHead(status, { "content-type": "application/json" });
	res.end(JSON.stringify(o));
}

let vllm = "";
let llamacpp = "";
let ollama = "";
let broken = "";

beforeAll(async () => {
	vllm = await fakeServer((req, _b, res) => {
		if (req.url === "/v1/models") {
			return json(res, 200, {
				data: [
					{ id: "meta-llama/Llama-3.1-8B-Instruct", owned_by: "vllm", max_model_len: 131072 },
					{ id: "BAAI/bge-m3", owned_by: "vllm", max_model_len: 8192 },
				],
			});
		}
		json(res, 404, { error: "no" });
	});
	llamacpp = await fakeServer((req, _b, res) => {
		if (req.url === "/v1/models") {
			return json(res, 200, { data: [{ id: "gemma-3-4b", owned_by: "llamacpp", meta: { n_ctx_train: 131072 } }] });
		}
		if (req.url === "/props") {
			return json(res, 200, {
				default_generation_settings: { n_ctx: 4096 },
				modalities: { vision: true, audio: false },
			});
		}
		json(res, 404, { error: "no" });
	});
	ollama = await fakeServer((req, body, res) => {
		if (req.url !== "/api/show") return json(res, 404, { error: "no" });
		const { model } = JSON.parse(body) as { model: string };
		if (model === "llava:7b") {
			return json(res, 200, { capabilities: ["completion", "vision"], model_info: { "llama.context_length": 4096 } });
		}
		if (model === "nomic-embed-text") {
			return json(res, 200, { capabilities: ["embedding"], model_info: { "nomic-bert.context_length": 2048 } });
		}
		if (model === "old:1b") return json(res, 200, { model_info: { "llama.context_length": 2048 } });
		json(res, 404, { error: `model '${model}' not found` });
	});
	broken = await fakeServer((_req, _b, res) => json(res, 500, { error: "down" }));
});

afterAll(async () => {
	await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

const signal = () => AbortSignal.timeout(5_000);

describe("agent model details", () => {
	it("says the simulator serves chat, legacy completions and embeddings, the embedding models embeddings only", async () => {
		const describe = createModelDescriber({ backend: "simulated", backendUrl: "", embeddingModels: ["sim-embed"] });
		expect(await describe(["sim-1", "sim-embed"], signal())).toEqual([
			{ model: "sim-1", endpoints: ["chat/completions", "completions", "embeddings"] },
			{ model: "sim-embed", endpoints: ["embeddings"] },
		]);
	});

	it("takes vLLM's max_model_len, and marks the configured embedding models embeddings-only", async () => {
		const describe = createModelDescriber({ backend: "openai", backendUrl: vllm, embeddingModels: ["BAAI/bge-m3"] });
		expect(await describe(["meta-llama/Llama-3.1-8B-Instruct", "BAAI/bge-m3"], signal())).toEqual([
			{
				model: "meta-llama/Llama-3.1-8B-Instruct",
				endpoints: ["chat/completions", "completions"],
				contextLength: 131072,
			},
			{ model: "BAAI/bge-m3", endpoints: ["embeddings"], contextLength: 8192 },
		]);
	});

	it("takes llama.cpp's running context size and vision from /props", async () => {
		const describe = createModelDescriber({ backend: "openai", backendUrl: llamacpp });
		expect(await describe(["gemma-3-4b"], signal())).toEqual([
			{
				model: "gemma-3-4b",
				endpoints: ["chat/completions", "completions"],
				inputs: ["image_url"],
				contextLength: 4096,
			},
		]);
	});

	it("maps Ollama's capabilities and context length; the native backend advertises chat only, what it serves", async () => {
		const describe = createModelDescriber({ backend: "ollama", backendUrl: ollama });
		expect(await describe(["llava:7b", "nomic-embed-text", "old:1b", "gone:1b"], signal())).toEqual([
			{ model: "llava:7b", endpoints: ["chat/completions"], inputs: ["image_url"], contextLength: 4096 },
			{ model: "nomic-embed-text", endpoints: ["chat/completions"], contextLength: 2048 },
			{ model: "old:1b", endpoints: ["chat/completions"], contextLength: 2048 },
			{ model: "gone:1b", endpoints: ["chat/completions"] },
		]);
	});

	it("falls back to the defaults when the backend does not answer", async () => {
		const openai = createModelDescriber({ backend: "openai", backendUrl: broken });
		expect(await openai(["m"], signal())).toEqual([{ model: "m", endpoints: ["chat/completions", "completions"] }]);
		const ollamaNative = createModelDescriber({ backend: "ollama", backendUrl: broken });
		expect(await ollamaNative(["m"], signal())).toEqual([{ model: "m", endpoints: ["chat/completions"] }]);
		const unreachable = createModelDescriber({ backend: "openai", backendUrl: "http://127.0.0.1:1" });
		expect(await unreachable(["m"], signal())).toEqual([
			{ model: "m", endpoints: ["chat/completions", "completions"] },
		]);
	});

	it("sends the details of the models it reports in telemetry, in the wire's shape", async () => {
		const build = createTelemetryBuilder({
			gpu: { hardware: "simulated", read: async () => ({ hardware: "simulated", gpus: [] }) },
			host: () => ({ cpuPct: 1, memUsedBytes: 1, memTotalBytes: 2 }),
			models: () => ["a"],
			modelDetails: () => [
				{ model: "a", endpoints: ["embeddings"], contextLength: 512 },
				{ model: "dropped-since", endpoints: ["chat/completions"] },
			],
			slots: 2,
			running: () => [],
			takeTokens: () => 0,
		});
		const body = await build();
		expect(body.modelDetails).toEqual([{ model: "a", endpoints: ["embeddings"], contextLength: 512 }]);
		expect(telemetryRequestSchema.safeParse(body).success).toBe(true);
	});
});

describe("BackendWatch and model details", () => {
	it("describes the models once discovered, and again only when the list changes", async () => {
		let listed = ["a"];
		const described: string[][] = [];
		const backend: Backend = {
			kind: "openai",
			listModels: () => Promise.resolve(listed),
			chat() {
				throw new Error("not used");
			},
		};
		const logger = createLogger({ format: "json", level: "error", write: () => {} });
		const watch = new BackendWatch({
			backend,
			logger,
			timeoutMs: 1_000,
			describe: async (models) => {
				described.push([...models]);
				return models.map((model) => ({ model, endpoints: ["embeddings" as const] }));
			},
		});
		await watch.discover(new AbortController().signal);
		expect(watch.details).toEqual([{ model: "a", endpoints: ["embeddings"] }]);
		// Refreshes with the same list describe nothing new; the one that sees "b" describes both.
		for (let i = 0; i < 3; i++) watch.refresh();
		listed = ["a", "b"];
		await waitFor("details of both models", () => {
			watch.refresh();
			return watch.details.length === 2;
		});
		expect(described).toEqual([["a"], ["a", "b"]]);
	});
});
