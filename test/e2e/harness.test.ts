/**
 * The harness the end-to-end tests and the benchmark stand on: if the fake
 * backend's answers or the process clean-up were wrong, every e2e result
 * above them would be meaningless, so they get their own checks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { percentile, summarize } from "../../bench/stats.js";
import { expectedCompletion, type FakeOpenAIServer, startFakeOpenAI } from "../support/fake-openai-server.js";
import { spawnManaged } from "../support/managed-process.js";
import { parseSseData } from "../support/sse.js";
import { waitFor } from "../support/wait.js";

const MODEL = "fake-model-1";
let fake: FakeOpenAIServer;

function post(body: Record<string, unknown>): Promise<Response> {
	return fetch(`${fake.url}/v1/chat/completions`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify(body),
	});
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

describe("fake OpenAI server", () => {
	beforeAll(async () => {
		fake = await startFakeOpenAI({ models: [MODEL] });
	});
	afterAll(() => fake.close());

	it("lists its models and listens on loopback only", async () => {
		expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		const json = await (await fetch(`${fake.url}/v1/models`)).json();
		expect(json.data.map((m: { id: string }) => m.id)).toEqual([MODEL]);
	});

	it("answers with the predicted content and usage", async () => {
		const messages = [{ role: "user" as const, content: "alpha beta gamma" }];
		const json = await (await post({ model: MODEL, messages })).json();
		expect(json.choices[0].message.content).toBe("Echo: alpha beta gamma");
		expect(json.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
		expect(expectedCompletion(messages).content).toBe("Echo: alpha beta gamma");
	});

	it("streams one chunk per token, a finish chunk, a usage chunk and [DONE]", async () => {
		const messages = [{ role: "user" as const, content: "one two three" }];
		const res = await post({
			model: MODEL,
			messages,
			stream: true,
			stream_options: { include_usage: true },
			max_tokens: 2,
		});
		const events = parseSseData(await res.text());
		expect(events.at(-1)).toBe("[DONE]");
		type Chunk = { choices: { delta: { content?: string }; finish_reason: string | null }[]; usage?: unknown };
		const chunks = events.slice(0, -1) as Chunk[];
		const tokens = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? "")).filter((t) => t !== "");
		expect(tokens).toEqual(["Echo:", " one"]);
		expect(chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason)).filter(Boolean)).toEqual(["length"]);
		expect(chunks.at(-1)?.usage).toEqual(expectedCompletion(messages, 2).usage);
	});

	it("refuses an unknown model with 404 in OpenAI's error shape", async () => {
		const res = await post({ model: "nope", messages: [{ role: "user", content: "x" }] });
		expect(res.status).toBe(404);
		const json = await res.json();
		expect(json.error).toMatchObject({ code: "model_not_found", param: "model" });
	});
});

describe("managed processes", () => {
	it("stop() also ends the grandchildren in the child's process group", async () => {
		const proc = spawnManaged({ name: "tree", command: "bash", args: ["-c", "sleep 300 & echo $!; wait"] });
		const line = await waitFor("the grandchild's pid", async () => proc.logs[0], { timeoutMs: 10_000, intervalMs: 20 });
		const grandchild = Number(line);
		expect(isAlive(grandchild)).toBe(true);
		await proc.stop(5_000);
		await waitFor("the grandchild to exit", async () => (isAlive(grandchild) ? undefined : true), { timeoutMs: 5_000 });
		expect(proc.isRunning()).toBe(false);
	});
});

describe("benchmark statistics", () => {
	it("reports nearest-rank percentiles that were actually observed", () => {
		const samples = Array.from({ length: 100 }, (_, i) => i + 1);
		expect(percentile(samples, 50)).toBe(50);
		expect(percentile(samples, 99)).toBe(99);
		expect(summarize([3, 1, 2])).toMatchObject({ n: 3, p50: 2, min: 1, max: 3 });
		expect(summarize([]).n).toBe(0);
	});
});
