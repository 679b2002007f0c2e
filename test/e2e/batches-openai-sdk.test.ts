/**
 * The Batch API end to end, called the way OpenAI SDK users call it (the
 * official `openai` package): files.create -> batches.create -> poll with
 * batches.retrieve -> files.content, against the production bundle under
 * Miniflare (R2 and the BatchStoreDO local) with a real agent and the fake
 * OpenAI server on loopback. Covers a malformed JSONL line (error file,
 * named by its line), a model no zone serves, a batch cancelled part-way,
 * and batches of legacy completions and of embeddings.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnAgent } from "../support/agent-process.js";
import { waitForModel } from "../support/edge-client.js";
import { expectedCompletion, type FakeOpenAIServer, startFakeOpenAI } from "../support/fake-openai-server.js";
import type { ManagedProcess } from "../support/managed-process.js";
import { type MiniflareEdge, startMiniflareEdge } from "../support/miniflare-edge.js";
import { waitFor } from "../support/wait.js";

const MODEL = "llama-3.1-8b-instruct";
/** Served for embeddings only (the agent's --embedding-models); MODEL is not served on /v1/embeddings. */
const EMBED_MODEL = "bge-small-en";

let workDir = "";
let fake: FakeOpenAIServer | undefined;
let edge: MiniflareEdge | undefined;
let agent: ManagedProcess | undefined;
let client: OpenAI;

function requestLine(customId: string, content: string, model = MODEL): string {
	return JSON.stringify({
		custom_id: customId,
		method: "POST",
		url: "/v1/chat/completions",
		body: { model, messages: [{ role: "user", content }] },
	});
}

async function upload(lines: string[]): Promise<string> {
	const file = await client.files.create({
		file: await toFile(Buffer.from(`${lines.join("\n")}\n`), "input.jsonl"),
		purpose: "batch",
	});
	expect(file).toMatchObject({ object: "file", purpose: "batch", filename: "input.jsonl" });
	return file.id;
}

async function settled(id: string, timeoutMs: number): Promise<OpenAI.Batch> {
	return waitFor(
		`batch ${id} to end`,
		async () => {
			const batch = await client.batches.retrieve(id);
			return ["completed", "cancelled", "failed", "expired"].includes(batch.status) ? batch : undefined;
		},
		{ timeoutMs, intervalMs: 250 },
	);
}

async function jsonl(fileId: string | null | undefined): Promise<Record<string, unknown>[]> {
	if (!fileId) return [];
	const text = await (await client.files.content(fileId)).text();
	return text
		.split("\n")
		.filter((l) => l.trim() !== "")
		.map((l) => JSON.parse(l) as Record<string, unknown>);
}

beforeAll(async () => {
	workDir = await mkdtemp(join(tmpdir(), "arcnet-batch-e2e-"));
	fake = await startFakeOpenAI({ models: [MODEL, EMBED_MODEL], tokenDelayMs: 20 });
	// Two dispatches per tick, so that a batch of many requests is still running when it is cancelled.
	edge = await startMiniflareEdge({ persistDir: join(workDir, "state"), vars: { BATCH_TICK_MAX_DISPATCH: "2" } });
	agent = await spawnAgent(edge, {
		name: "batch-e2e",
		zoneId: "eu-stockholm",
		stateDir: join(workDir, "agent"),
		backend: { kind: "openai", url: fake.url },
		slots: 2,
		extraArgs: ["--embedding-models", EMBED_MODEL],
	});
	await waitForModel(edge, MODEL, 45_000);
	await waitForModel(edge, EMBED_MODEL, 45_000);
	client = new OpenAI({ apiKey: edge.devApiKey, baseURL: `${edge.url}/v1`, maxRetries: 0 });
}, 180_000);

afterAll(async () => {
	await agent?.stop(15_000);
	await edge?.stop();
	await fake?.close();
	if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe("Batch API with the OpenAI SDK", () => {
	it("runs a batch to completed, with outputs by custom_id and an error file for the bad line and the unserved model", async () => {
		const inputId = await upload([
			requestLine("first", "one two three"),
			"{this line is not json",
			requestLine("second", "four five"),
			requestLine("nobody", "six", "no-such-model-anywhere"),
		]);
		const created = await client.batches.create({
			input_file_id: inputId,
			endpoint: "/v1/chat/completions",
			completion_window: "24h",
		});
		expect(created).toMatchObject({ object: "batch", status: "in_progress", input_file_id: inputId });
		expect(created.request_counts).toEqual({ total: 4, completed: 0, failed: 1 });

		const batch = await settled(created.id, 60_000);
		expect(batch.status).toBe("completed");
		expect(batch.request_counts).toEqual({ total: 4, completed: 2, failed: 2 });
		expect(batch.completed_at).toBeGreaterThanOrEqual(batch.created_at);

		const output = await jsonl(batch.output_file_id);
		expect(output.map((l) => l.custom_id)).toEqual(["first", "second"]);
		const first = output[0] as { response: { status_code: number; body: OpenAI.ChatCompletion } };
		expect(first.response.status_code).toBe(200);
		expect(first.response.body.choices[0]?.message.content).toBe(
			expectedCompletion([{ role: "user", content: "one two three" }]).content,
		);

		const errors = await jsonl(batch.error_file_id);
		expect(errors).toHaveLength(2);
		expect(errors[0]).toMatchObject({
			custom_id: null,
			error: { code: "invalid_json_line", line: 2, message: expect.stringMatching(/^line 2: not valid JSON/) },
		});
		expect(errors[1]).toMatchObject({ custom_id: "nobody", error: { code: "model_not_found" } });

		const listed = await client.batches.list({ limit: 10 });
		expect(listed.data.map((b) => b.id)).toContain(created.id);
	});

	it("cancels a batch part-way: what ran is in the output file, the rest never runs", async () => {
		const lines = Array.from({ length: 12 }, (_, i) =>
			requestLine(`r${i}`, `request number ${i} with several words to stream`),
		);
		const created = await client.batches.create({
			input_file_id: await upload(lines),
			endpoint: "/v1/chat/completions",
			completion_window: "24h",
		});
		await waitFor(
			"a first request to complete",
			async () => {
				const b = await client.batches.retrieve(created.id);
				return b.request_counts && b.request_counts.completed > 0 ? b : undefined;
			},
			{ timeoutMs: 60_000, intervalMs: 100 },
		);
		const cancelling = await client.batches.cancel(created.id);
		expect(cancelling.status).toBe("cancelling");

		const batch = await settled(created.id, 60_000);
		expect(batch.status).toBe("cancelled");
		const counts = batch.request_counts ?? { total: 0, completed: 0, failed: 0 };
		expect(counts.total).toBe(12);
		expect(counts.completed).toBeGreaterThan(0);
		expect(counts.completed).toBeLessThan(12);
		const output = await jsonl(batch.output_file_id);
		expect(output).toHaveLength(counts.completed);
	});

	it("runs a legacy completions batch and an embeddings batch, each line checked by its endpoint's schema", async () => {
		const line = (customId: string, url: string, body: Record<string, unknown>) =>
			JSON.stringify({ custom_id: customId, method: "POST", url, body });
		const completionsInput = await upload([
			line("c1", "/v1/completions", { model: MODEL, prompt: "one two three", max_tokens: 2 }),
			// A chat body on the completions endpoint: it has no prompt.
			line("c2", "/v1/completions", { model: MODEL, messages: [{ role: "user", content: "hi" }] }),
		]);
		const embeddingsInput = await upload([
			line("e1", "/v1/embeddings", { model: EMBED_MODEL, input: ["a b", "c"] }),
			line("e2", "/v1/embeddings", { model: MODEL, input: "served for chat only" }),
		]);
		const [completions, embeddings] = await Promise.all(
			(
				[
					[completionsInput, "/v1/completions"],
					[embeddingsInput, "/v1/embeddings"],
				] as const
			).map(async ([input_file_id, endpoint]) =>
				settled((await client.batches.create({ input_file_id, endpoint, completion_window: "24h" })).id, 60_000),
			),
		);

		expect(completions).toMatchObject({ status: "completed", endpoint: "/v1/completions" });
		expect(completions?.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
		const [c1] = await jsonl(completions?.output_file_id);
		expect(c1).toMatchObject({
			custom_id: "c1",
			response: {
				status_code: 200,
				body: { object: "text_completion", choices: [{ text: "Echo: one", finish_reason: "length" }] },
			},
		});
		expect(await jsonl(completions?.error_file_id)).toMatchObject([
			{ custom_id: "c2", error: { code: "invalid_request", message: expect.stringContaining("prompt") } },
		]);

		expect(embeddings).toMatchObject({ status: "completed", endpoint: "/v1/embeddings" });
		expect(embeddings?.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
		const [e1] = (await jsonl(embeddings?.output_file_id)) as {
			custom_id: string;
			response: { status_code: number; body: OpenAI.CreateEmbeddingResponse };
		}[];
		expect(e1?.custom_id).toBe("e1");
		expect(e1?.response.status_code).toBe(200);
		expect(e1?.response.body).toMatchObject({ object: "list", model: EMBED_MODEL, usage: { prompt_tokens: 3 } });
		expect(e1?.response.body.data.map((d) => [d.object, d.index])).toEqual([
			["embedding", 0],
			["embedding", 1],
		]);
		expect(await jsonl(embeddings?.error_file_id)).toMatchObject([
			{ custom_id: "e2", error: { code: "model_not_found", message: expect.stringContaining("/v1/embeddings") } },
		]);
	});

	it("answers OpenAI-shaped errors naming the field: unknown file, bad endpoint, bad window", async () => {
		await expect(
			client.batches.create({
				input_file_id: "file-doesnotexist00",
				endpoint: "/v1/chat/completions",
				completion_window: "24h",
			}),
		).rejects.toMatchObject({ status: 404, code: "file_not_found", param: "input_file_id" });
		const inputId = await upload([requestLine("x", "hi")]);
		await expect(
			client.batches.create({ input_file_id: inputId, endpoint: "/v1/responses", completion_window: "24h" }),
		).rejects.toMatchObject({ status: 400, param: "endpoint" });
		await expect(client.batches.retrieve("batch_doesnotexist0000")).rejects.toMatchObject({ status: 404 });
	});
});
