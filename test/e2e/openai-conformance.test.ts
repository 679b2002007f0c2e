/**
 * The conformance suite: the same OpenAI requests go straight to a fake
 * backend and through the edge (wrangler dev, real agents). Through the agent
 * on the openai-compatible backend (zone eu-stockholm) the JSON answers and
 * the sequences of stream chunks must be equal apart from `id`, `created` and
 * ArcNet's `arcnet` (ADR 0016): tool calls, parallel tool calls streamed in
 * fragments, a JSON-schema answer, logprobs, a refusal, reasoning content, a
 * length finish, plus legacy completions and embeddings. Through the agent on
 * the Ollama native backend (zone us-oregon, the fake's /api/ routes) what a
 * client reads must be the same (message, tool calls, reasoning, finish,
 * token counts), streamed and not; what Ollama cannot carry is refused as
 * docs/api.md documents: logprobs with a 400 naming the field, legacy
 * completions (which such a node does not advertise) with a 503 naming the endpoint.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { type AgentSpec, spawnAgent } from "../support/agent-process.js";
import { clientView, streamedView } from "../support/conformance-views.js";
import { waitForModel } from "../support/edge-client.js";
import { SCENARIO_NAMES } from "../support/fake-openai-scenarios.js";
import { type FakeOpenAIServer, startFakeOpenAI } from "../support/fake-openai-server.js";
import { fleetHooks, printFleetLogs } from "../support/fleet-hooks.js";
import { type LocalEdge, startLocalEdge } from "../support/local-edge.js";
import type { ManagedProcess } from "../support/managed-process.js";
import { parseSseData } from "../support/sse.js";
import { waitFor } from "../support/wait.js";

const MODEL = "llama-3.1-8b-instruct";
/** Served for embeddings only: the agent is told so (vLLM and llama.cpp do not say which models embed). */
const EMBED_MODEL = "bge-small-en";
const ZONE = "eu-stockholm";
/** The Ollama agent's zone: requests reach it with `x-arcnet-regions: us`, the openai one's with `eu`. */
const OLLAMA_ZONE = "us-oregon";
const TO_OPENAI = { "x-arcnet-regions": "eu" };
const TO_OLLAMA = { "x-arcnet-regions": "us" };

let workDir = "";
let fake: FakeOpenAIServer | undefined;
let edge: LocalEdge | undefined;
const agents: ManagedProcess[] = [];

function harness(): { edge: LocalEdge; fake: FakeOpenAIServer } {
	if (!edge || !fake) throw new Error("harness did not start (see beforeAll error)");
	return { edge, fake };
}

/** A JSON answer or chunk without what may differ: `id`, `created` and ArcNet's `arcnet`. */
function comparable(value: unknown): unknown {
	if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
	const { id: _id, created: _created, arcnet: _arcnet, ...rest } = value as Record<string, unknown>;
	return rest;
}

interface Answer {
	status: number;
	json: unknown;
	chunks: unknown[];
	arcnet: unknown;
}

/** POSTs `body` to `base` + /v1/`endpoint`; a streamed answer becomes its chunks (`[DONE]` kept). */
async function ask(
	base: string,
	key: string | null,
	endpoint: string,
	body: Record<string, unknown>,
	headers: Record<string, string> = {},
): Promise<Answer> {
	const res = await fetch(`${base}/v1/${endpoint}`, {
		method: "POST",
		headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
		body: JSON.stringify(body),
		signal: AbortSignal.timeout(30_000),
	});
	const text = await res.text();
	if (body.stream === true) {
		const chunks = parseSseData(text);
		const last = chunks.at(-2) as Record<string, unknown> | undefined;
		return { status: res.status, json: null, chunks: chunks.map(comparable), arcnet: last?.arcnet };
	}
	const json = JSON.parse(text) as Record<string, unknown>;
	return { status: res.status, json: comparable(json), chunks: [], arcnet: json.arcnet };
}

/** Asks the fake backend and the edge the same thing; both answers must match. */
async function expectSameAnswer(endpoint: string, body: Record<string, unknown>): Promise<Answer> {
	const { edge, fake } = harness();
	const direct = await ask(fake.url, null, endpoint, body);
	const relayed = await ask(edge.url, edge.devApiKey, endpoint, body, TO_OPENAI);
	expect(direct.status).toBe(200);
	expect(relayed.status, JSON.stringify(relayed.json)).toBe(200);
	expect(relayed.json).toEqual(direct.json);
	expect(relayed.chunks).toEqual(direct.chunks);
	expect(relayed.arcnet).toMatchObject({ zone: ZONE });
	return relayed;
}

/** Waits until GET /v1/models/{model} lists every zone in `zones`. */
async function waitForZones(edge: LocalEdge, model: string, zones: string[]): Promise<void> {
	await waitFor(
		`${model} served in ${zones.join(", ")}`,
		async () => {
			const res = await fetch(`${edge.url}/v1/models/${model}`, {
				headers: { authorization: `Bearer ${edge.devApiKey}` },
			});
			const json = (await res.json()) as { arcnet?: { zones?: string[] } };
			const listed = json.arcnet?.zones ?? [];
			if (zones.every((z) => listed.includes(z))) return true;
			throw new Error(`zones: [${listed.join(", ")}]`);
		},
		{ timeoutMs: 45_000, intervalMs: 250 },
	);
}

/** Asks the fake backend (OpenAI's API) and the edge's Ollama node the same thing; a client must read the same. */
async function expectSameThroughOllama(body: Record<string, unknown>): Promise<void> {
	const { edge, fake } = harness();
	const direct = await ask(fake.url, null, "chat/completions", body);
	const relayed = await ask(edge.url, edge.devApiKey, "chat/completions", body, TO_OLLAMA);
	expect(relayed.status, JSON.stringify(relayed.json)).toBe(200);
	if (body.stream === true) {
		expect(relayed.chunks.at(-1)).toBe("[DONE]");
		const view = streamedView(direct.chunks);
		expect(view.finish_reason).toEqual(expect.any(String));
		expect(streamedView(relayed.chunks)).toEqual(view);
	} else {
		const view = clientView(direct.json);
		expect(view.choices).toHaveLength(1);
		expect(clientView(relayed.json)).toEqual(view);
	}
	expect(relayed.arcnet).toMatchObject({ zone: OLLAMA_ZONE });
}

const tools = [
	{
		type: "function",
		function: {
			name: "get_weather",
			parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
		},
	},
];

describe("conformance: the edge answers exactly as the backend", () => {
	beforeAll(async () => {
		workDir = await mkdtemp(join(tmpdir(), "arcnet-conformance-"));
		fake = await startFakeOpenAI({ models: [MODEL, EMBED_MODEL] });
		edge = await startLocalEdge({ persistDir: join(workDir, "state") });
		try {
			const url = fake.url;
			const spec = (kind: "openai" | "ollama", zoneId: string, extraArgs: string[] = []): AgentSpec => ({
				name: `conformance-${kind}`,
				zoneId,
				stateDir: join(workDir, "agents", kind),
				backend: { kind, url },
				slots: 4,
				extraArgs,
			});
			agents.push(await spawnAgent(edge, spec("openai", ZONE, ["--embedding-models", EMBED_MODEL])));
			agents.push(await spawnAgent(edge, spec("ollama", OLLAMA_ZONE)));
			await waitForModel(edge, MODEL, 45_000);
			await waitForModel(edge, EMBED_MODEL, 45_000);
			await waitForZones(edge, MODEL, [ZONE, OLLAMA_ZONE]);
		} catch (err) {
			printFleetLogs({ workDir, edge, fake, agents });
			throw err;
		}
	});

	fleetHooks(() => ({ workDir, edge, fake, agents }));

	for (const scenario of SCENARIO_NAMES) {
		const body = {
			model: MODEL,
			messages: [{ role: "user", content: `scenario:${scenario}` }],
			tools,
			logprobs: scenario === "logprobs",
			...(scenario === "json_schema"
				? { response_format: { type: "json_schema", json_schema: { name: "weather", schema: { type: "object" } } } }
				: {}),
			top_k: 20,
		};
		it(`answers ${scenario} as the backend does, unstreamed`, async () => {
			await expectSameAnswer("chat/completions", body);
		});
		it(`streams ${scenario} chunk for chunk as the backend does`, async () => {
			const relayed = await expectSameAnswer("chat/completions", { ...body, stream: true });
			expect(relayed.chunks.at(-1)).toBe("[DONE]");
		});
		it(`streams ${scenario} with the usage chunk when the client asks for it`, async () => {
			await expectSameAnswer("chat/completions", { ...body, stream: true, stream_options: { include_usage: true } });
		});
	}

	/** Scenarios Ollama's native API can carry; logprobs are refused by name, a refusal has no Ollama form. */
	const OLLAMA_SCENARIOS = SCENARIO_NAMES.filter((s) => s !== "logprobs" && s !== "refusal");
	for (const scenario of OLLAMA_SCENARIOS) {
		const body = {
			model: MODEL,
			messages: [{ role: "user", content: `scenario:${scenario}` }],
			tools,
			...(scenario === "json_schema"
				? { response_format: { type: "json_schema", json_schema: { name: "weather", schema: { type: "object" } } } }
				: {}),
		};
		it(`answers ${scenario} through the Ollama backend as a client reads it from the backend, streamed and not`, async () => {
			await expectSameThroughOllama(body);
			await expectSameThroughOllama({ ...body, stream: true });
			await expectSameThroughOllama({ ...body, stream: true, stream_options: { include_usage: true } });
		});
	}

	it("refuses through the Ollama backend what it cannot carry: logprobs by name, legacy completions by endpoint", async () => {
		const { edge } = harness();
		const logprobs = await ask(
			edge.url,
			edge.devApiKey,
			"chat/completions",
			{ model: MODEL, messages: [{ role: "user", content: "scenario:logprobs" }], logprobs: true },
			TO_OLLAMA,
		);
		expect(logprobs.status).toBe(400);
		expect(logprobs.json).toMatchObject({ error: { type: "invalid_request_error", code: "invalid_request" } });
		expect(JSON.stringify(logprobs.json)).toContain("logprobs: the Ollama backend accepts only false");
		const legacy = await ask(
			edge.url,
			edge.devApiKey,
			"completions",
			{ model: MODEL, prompt: "once upon a time", max_tokens: 3 },
			TO_OLLAMA,
		);
		// A node on Ollama's native API does not advertise legacy completions: no zone of the region is asked.
		expect(legacy).toMatchObject({
			status: 503,
			json: {
				error: { code: "no_capacity", message: expect.stringContaining("no live node serves it on /v1/completions") },
			},
		});
	});

	it("answers a legacy completion as the backend does, streamed and not", async () => {
		const body = { model: MODEL, prompt: "once upon a time", max_tokens: 3 };
		await expectSameAnswer("completions", body);
		await expectSameAnswer("completions", { ...body, stream: true });
	});

	it("answers embeddings as the backend does", async () => {
		await expectSameAnswer("embeddings", { model: EMBED_MODEL, input: ["first text", "second"] });
	});
	it("works unchanged with the official openai client: tools, JSON mode, embeddings and legacy completions, streamed and not", async () => {
		const { edge } = harness();
		const client = new OpenAI({
			baseURL: `${edge.url}/v1`,
			apiKey: edge.devApiKey,
			maxRetries: 0,
			defaultHeaders: TO_OPENAI,
		});
		const user = (content: string) => [{ role: "user" as const, content }];
		const weatherTools = [
			{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object" } } },
		];

		const called = await client.chat.completions.create({
			model: MODEL,
			messages: user("scenario:tool_call"),
			tools: weatherTools,
		});
		expect(called.choices[0]?.finish_reason).toBe("tool_calls");
		const call = called.choices[0]?.message.tool_calls?.[0];
		expect(call?.type === "function" ? call.function : null).toEqual({
			name: "get_weather",
			arguments: '{"city":"Oslo"}',
		});

		const stream = await client.chat.completions.create({
			model: MODEL,
			messages: user("scenario:parallel_tools"),
			tools: weatherTools,
			stream: true,
		});
		const args = ["", ""];
		for await (const chunk of stream) {
			for (const fragment of chunk.choices[0]?.delta.tool_calls ?? []) {
				args[fragment.index] += fragment.function?.arguments ?? "";
			}
		}
		expect(args).toEqual(['{"city":"Oslo"}', '{"city":"Lima"}']);

		const json = await client.chat.completions.create({
			model: MODEL,
			messages: user("scenario:json_schema"),
			response_format: { type: "json_schema", json_schema: { name: "weather", schema: { type: "object" } } },
		});
		expect(JSON.parse(json.choices[0]?.message.content ?? "null")).toEqual({ city: "Oslo", temp_c: 21 });

		const embedded = await client.embeddings.create({ model: EMBED_MODEL, input: ["a b", "c"] });
		expect(embedded.data.map((d) => d.index)).toEqual([0, 1]);
		expect(embedded.usage.prompt_tokens).toBe(3);

		const completed = await client.completions.create({ model: MODEL, prompt: "one two three", max_tokens: 2 });
		expect(completed.choices[0]).toMatchObject({ text: "Echo: one", finish_reason: "length" });
		const streamed = await client.completions.create({ model: MODEL, prompt: "one two", stream: true });
		let text = "";
		for await (const chunk of streamed) text += chunk.choices[0]?.text ?? "";
		expect(text).toBe("Echo: one two");
	});
});
