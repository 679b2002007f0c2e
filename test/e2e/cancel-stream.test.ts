/**
 * Cancellation, the whole chain, with nothing mocked between client and
 * backend: a streaming client that disconnects mid-answer gets its job
 * cancelled in the zone, the real agent is told (post answer or heartbeat),
 * aborts its request to the fake OpenAI server (which sees the connection
 * close before the answer ended), and its only slot frees for the next job.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { spawnAgent } from "../support/agent-process.js";
import { postChatCompletion, waitForModel } from "../support/edge-client.js";
import { expectedCompletion, type FakeOpenAIServer, startFakeOpenAI } from "../support/fake-openai-server.js";
import type { ManagedProcess } from "../support/managed-process.js";
import { type MiniflareEdge, startMiniflareEdge } from "../support/miniflare-edge.js";
import { waitFor } from "../support/wait.js";

const MODEL = "llama-3.1-8b-instruct";
const ZONE = "eu-stockholm";
/** 60 words at 100 ms a token: a 6-second answer, long enough to be cut in the middle. */
const LONG_PROMPT = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");

let workDir = "";
let fake: FakeOpenAIServer | undefined;
let edge: MiniflareEdge | undefined;
let agent: ManagedProcess | undefined;

function harness(): { edge: MiniflareEdge; fake: FakeOpenAIServer } {
	if (!edge || !fake) throw new Error("harness did not start (see beforeAll error)");
	return { edge, fake };
}

describe("cancellation end to end", () => {
	beforeAll(async () => {
		workDir = await mkdtemp(join(tmpdir(), "arcnet-cancel-"));
		fake = await startFakeOpenAI({ models: [MODEL], tokenDelayMs: 100 });
		edge = await startMiniflareEdge({ persistDir: join(workDir, "state") });
		const spec = {
			name: "cancel-agent",
			zoneId: ZONE,
			stateDir: join(workDir, "agent"),
			backend: { kind: "openai", url: fake.url } as const,
			slots: 1,
			telemetryIntervalMs: 1_000,
		};
		agent = await spawnAgent(edge, spec);
		await waitForModel(edge, MODEL, 45_000);
	}, 180_000);

	beforeEach(({ onTestFailed }) => {
		onTestFailed(() => {
			console.error(`--- edge\n${edge?.logs().slice(-40).join("\n")}\n--- agent\n${agent?.logs.slice(-40).join("\n")}`);
		});
	});

	afterAll(async () => {
		await agent?.stop(15_000);
		await edge?.stop();
		await fake?.close();
		if (workDir) await rm(workDir, { recursive: true, force: true });
	});

	it("cancels the job of a client that disconnects mid-stream, aborts the backend request and frees the slot", async () => {
		const { edge, fake } = harness();
		const client = new AbortController();
		const res = await fetch(`${edge.url}/v1/chat/completions`, {
			method: "POST",
			headers: { authorization: `Bearer ${edge.devApiKey}`, "content-type": "application/json" },
			body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: "user", content: LONG_PROMPT }] }),
			signal: client.signal,
		});
		expect(res.status).toBe(200);
		const reader = res.body?.getReader();
		if (!reader) throw new Error("expected a streaming body");
		let text = "";
		while (!text.includes("word3")) {
			const { value, done } = await reader.read();
			if (done) throw new Error(`stream ended early: ${text}`);
			text += new TextDecoder().decode(value);
		}
		expect(fake.abortedCount).toBe(0);
		client.abort();

		await waitFor("the backend request to be aborted", async () => (fake.abortedCount === 1 ? true : undefined), {
			timeoutMs: 20_000,
		});
		const status = await waitFor(
			"the job's terminal state in D1",
			async () => {
				// The only streamed job of the run (a stream's headers name no job: its final chunk does).
				const rows = await edge.queryD1("SELECT status FROM jobs WHERE stream = 1");
				return rows[0]?.status as string | undefined;
			},
			{ timeoutMs: 20_000 },
		);
		expect(status).toBe("cancelled");

		// One slot: the next job runs only if the cancelled one let go of it.
		const messages = [{ role: "user" as const, content: "next in line" }];
		const next = await postChatCompletion(edge, { model: MODEL, messages });
		const body = await next.text();
		expect(next.status, body).toBe(200);
		expect(JSON.parse(body).choices[0].message.content).toBe(expectedCompletion(messages).content);
		expect(fake.openStreams).toBe(0);
	}, 90_000);
});
