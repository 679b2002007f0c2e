/**
 * The core loop end to end, with nothing mocked between client and backend:
 * the real Worker under `wrangler dev` (local D1 and GeozoneDOs), two real
 * agent processes from the bundle in two zones, and a fake OpenAI server whose
 * answers are predictable, so the content that comes out of the edge can be
 * compared with what the backend produced.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { spawnAgent } from "../support/agent-process.js";
import { postChatCompletion, waitForModel } from "../support/edge-client.js";
import { expectedCompletion, type FakeOpenAIServer, startFakeOpenAI } from "../support/fake-openai-server.js";
import { type LocalEdge, startLocalEdge } from "../support/local-edge.js";
import type { ManagedProcess } from "../support/managed-process.js";
import { parseSseData } from "../support/sse.js";

const MODEL = "llama-3.1-8b-instruct";
const ZONES = ["eu-stockholm", "us-oregon"] as const;

let workDir = "";
let fake: FakeOpenAIServer | undefined;
let edge: LocalEdge | undefined;
const agents: ManagedProcess[] = [];

function harness(): { edge: LocalEdge; fake: FakeOpenAIServer } {
	if (!edge || !fake) throw new Error("harness did not start (see beforeAll error)");
	return { edge, fake };
}

function printLogs(): void {
	const tail = (name: string, lines: string[]) => `--- ${name} (last 40 lines)\n${lines.slice(-40).join("\n")}`;
	const parts = [edge ? tail("wrangler", edge.logs()) : "", ...agents.map((a) => tail(a.name, a.logs))];
	console.error(parts.join("\n"));
}

describe("core loop: client -> edge -> GeozoneDO -> agent -> backend", () => {
	beforeAll(async () => {
		workDir = await mkdtemp(join(tmpdir(), "arcnet-e2e-"));
		fake = await startFakeOpenAI({ models: [MODEL], tokenDelayMs: 2 });
		edge = await startLocalEdge({ persistDir: join(workDir, "state") });
		try {
			for (const zoneId of ZONES) {
				const spec = {
					name: `e2e-${zoneId}`,
					zoneId,
					stateDir: join(workDir, "agents", zoneId),
					backend: { kind: "openai", url: fake.url } as const,
					slots: 2,
				};
				agents.push(await spawnAgent(edge, spec));
			}
			await waitForModel(edge, MODEL, 45_000);
		} catch (err) {
			printLogs();
			throw err;
		}
	});

	beforeEach(({ onTestFailed }) => {
		onTestFailed(printLogs);
	});

	afterAll(async () => {
		await Promise.all(agents.map((a) => a.stop(15_000)));
		await edge?.stop();
		await fake?.close();
		if (workDir) await rm(workDir, { recursive: true, force: true });
	});

	it("answers a non-streaming request with exactly the backend's content, usage and the serving zone", async () => {
		const { edge, fake } = harness();
		const messages = [{ role: "user" as const, content: "the quick brown fox jumps" }];
		const before = fake.requestCount;
		const res = await postChatCompletion(edge, { model: MODEL, messages });
		const body = await res.text();
		expect(res.status, body).toBe(200);
		const expected = expectedCompletion(messages);
		const json = JSON.parse(body);
		expect(json.object).toBe("chat.completion");
		expect(json.model).toBe(MODEL);
		expect(json.choices[0].message).toEqual({ role: "assistant", content: expected.content });
		expect(json.choices[0].finish_reason).toBe("stop");
		expect(json.usage).toEqual(expected.usage);
		expect(ZONES).toContain(res.headers.get("x-arcnet-zone"));
		expect(res.headers.get("x-arcnet-node")).toMatch(/^node_/);
		expect(res.headers.get("x-arcnet-job-id")).toMatch(/^job_/);
		expect(fake.requestCount).toBe(before + 1);
	});

	it("streams SSE chunks that add up to the backend's content, then a finish_reason and [DONE]", async () => {
		const { edge } = harness();
		const messages = [
			{ role: "system" as const, content: "be brief" },
			{ role: "user" as const, content: "stream me five little words" },
		];
		const res = await postChatCompletion(edge, {
			model: MODEL,
			messages,
			stream: true,
			stream_options: { include_usage: true },
		});
		const body = await res.text();
		expect(res.status, body).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
		const events = parseSseData(body);
		expect(events.at(-1)).toBe("[DONE]");
		// The headers went out when a zone accepted the job; the final chunk names where it ran.
		const final = events.at(-2) as { arcnet?: { zone: string; node: string } };
		expect(ZONES).toContain(final.arcnet?.zone);
		expect(final.arcnet?.node).toMatch(/^node_/);
		const chunks = events.filter((e): e is { object: string; choices: unknown[] } => typeof e === "object");
		expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
		type Choice = { delta?: { content?: string }; finish_reason?: string | null };
		const choices = chunks.flatMap((c) => c.choices as Choice[]);
		const content = choices.map((c) => c.delta?.content ?? "").join("");
		const expected = expectedCompletion(messages);
		expect(content).toBe(expected.content);
		expect(choices.filter((c) => c.finish_reason).map((c) => c.finish_reason)).toEqual(["stop"]);
		const usage = chunks.map((c) => (c as { usage?: unknown }).usage).find((u) => u);
		expect(usage).toEqual(expected.usage);
	});

	it("cuts the answer at max_tokens and reports finish_reason length", async () => {
		const { edge } = harness();
		const messages = [{ role: "user" as const, content: "one two three four five six" }];
		const res = await postChatCompletion(edge, { model: MODEL, messages, max_tokens: 3 });
		const body = await res.text();
		expect(res.status, body).toBe(200);
		const json = JSON.parse(body);
		const expected = expectedCompletion(messages, 3);
		expect(json.choices[0].message.content).toBe(expected.content);
		expect(json.choices[0].finish_reason).toBe("length");
	});

	it("refuses a model nobody has ever served with 404 model_not_found in OpenAI's error shape", async () => {
		const { edge } = harness();
		const res = await postChatCompletion(edge, {
			model: "model-nobody-serves",
			messages: [{ role: "user", content: "hello" }],
		});
		const body = await res.text();
		expect(res.status, body).toBe(404);
		expect(res.headers.get("retry-after")).toBeNull();
		const json = JSON.parse(body);
		expect(json.error.code).toBe("model_not_found");
		expect(typeof json.error.message).toBe("string");
		expect(json.error.message).toContain("model-nobody-serves");
		expect(typeof json.error.type).toBe("string");
		expect(json.error).toHaveProperty("param");
		expect(json.error).toHaveProperty("code");
	});

	it("keeps serving after the Worker restarts on the same state, with the same agents", async () => {
		const { edge } = harness();
		await edge.restart();
		await waitForModel(edge, MODEL, 45_000);
		const messages = [{ role: "user" as const, content: "still there after a restart" }];
		const res = await postChatCompletion(edge, { model: MODEL, messages });
		const body = await res.text();
		expect(res.status, body).toBe(200);
		expect(JSON.parse(body).choices[0].message.content).toBe(expectedCompletion(messages).content);
		expect(agents.every((a) => a.isRunning())).toBe(true);
	});

	it("rejects a request without the API key with 401 in OpenAI's error shape", async () => {
		const { edge } = harness();
		const res = await fetch(`${edge.url}/v1/chat/completions`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "hi" }] }),
		});
		expect(res.status).toBe(401);
		const json = await res.json();
		expect(typeof json.error.message).toBe("string");
	});
});
