/**
 * The Batch API end to end, called the way OpenAI SDK users call it (the
 * official `openai` package): files.create -> batches.create -> poll with
 * batches.retrieve -> files.content, against the production bundle under
 * Miniflare (R2 and the BatchStoreDO local) with a real agent and the fake
 * OpenAI server on loopback. Covers a malformed JSONL line (error file,
 * named by its line), a model no zone serves, and a batch cancelled part-way.
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
	fake = await startFakeOpenAI({ models: [MODEL], tokenDelayMs: 20 });
	// Two dispatches per tick, so that a batch of many requests is still running when it is cancelled.
	edge = await startMiniflareEdge({ persistDir: join(workDir, "state"), vars: { BATCH_TICK_MAX_DISPATCH: "2" } });
	agent = await spawnAgent(edge, {
		name: "batch-e2e",
		zoneId: "eu-stockholm",
		stateDir: join(workDir, "agent"),
		backend: { kind: "openai", url: fake.url },
		slots: 2,
	});
	await waitForModel(edge, MODEL, 45_000);
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
			client.batches.create({ input_file_id: inputId, endpoint: "/v1/embeddings", completion_window: "24h" }),
		).rejects.toMatchObject({ status: 400, param: "endpoint" });
		await expect(client.batches.retrieve("batch_doesnotexist0000")).rejects.toMatchObject({ status: 404 });
	});
});
