/**
 * One real agent on a real edge (the Worker under Miniflare, a short lease)
 * against a fake OpenAI server that misbehaves on demand: a 503 to the first
 * try of every conversation, so the edge re-queues each job and often leases
 * its next attempt back to the same node while the first is still ending;
 * then a model list that hangs while a job waits longer than a lease for its
 * first token. Each client must be answered in a bounded time.
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
/** The zone's lease; a job that loses its lease waits at least this long. */
const LEASE_MS = 12_000;

let workDir = "";
let fake: FakeOpenAIServer | undefined;
let edge: MiniflareEdge | undefined;
let agent: ManagedProcess | undefined;

function harness(): { edge: MiniflareEdge; fake: FakeOpenAIServer; agent: ManagedProcess } {
	if (!edge || !fake || !agent) throw new Error("harness did not start (see beforeAll error)");
	return { edge, fake, agent };
}

function agentLines(): Record<string, unknown>[] {
	return (agent?.logs ?? []).flatMap((l) => {
		try {
			return [JSON.parse(l) as Record<string, unknown>];
		} catch {
			return [];
		}
	});
}

/** Sends one non-streaming request; resolves with its status, content and how long the client waited. */
async function ask(e: MiniflareEdge, content: string) {
	const messages = [{ role: "user" as const, content }];
	const started = Date.now();
	const res = await postChatCompletion(e, { model: MODEL, messages });
	const text = await res.text();
	const waitedMs = Date.now() - started;
	const body = JSON.parse(text) as { choices?: { message: { content: string } }[] };
	return { status: res.status, text, content: body.choices?.[0]?.message.content, waitedMs, messages };
}

describe("agent retries and a hung backend, end to end", () => {
	beforeAll(async () => {
		workDir = await mkdtemp(join(tmpdir(), "arcnet-e2e-retries-"));
		fake = await startFakeOpenAI({ models: [MODEL] });
		edge = await startMiniflareEdge({ persistDir: join(workDir, "state"), vars: { LEASE_MS: String(LEASE_MS) } });
		agent = await spawnAgent(edge, {
			name: "retries",
			zoneId: "eu-stockholm",
			stateDir: join(workDir, "agent"),
			backend: { kind: "openai", url: fake.url },
			// More slots than requests: a poll is open whenever a first attempt posts its error.
			slots: 16,
			telemetryIntervalMs: 1000,
			// Over HTTP the answer to a failed attempt's error post and the poll that carries its next
			// attempt travel on separate connections, in either order (over the channel, in order).
			edgeChannel: "http",
		});
		await waitForModel(edge, MODEL, 60_000);
	}, 180_000);

	beforeEach(({ onTestFailed }) => {
		onTestFailed(() => console.error(`--- agent (last 40 lines)\n${agent?.logs.slice(-40).join("\n")}`));
	});

	afterAll(async () => {
		await agent?.stop(15_000);
		await edge?.stop();
		await fake?.close();
		if (workDir) await rm(workDir, { recursive: true, force: true });
	});

	it("answers every request whose first try got a 503, well within a lease, running retries on the same node", async () => {
		const { edge, fake } = harness();
		fake.controls.failEachConversationOnce = true;
		try {
			const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => ask(edge, `retry me please ${i}`)));
			for (const a of answers) {
				expect(a.status, a.text).toBe(200);
				expect(a.content).toBe(expectedCompletion(a.messages).content);
				// A retry dropped by the node waits for its lease to lapse: at least LEASE_MS.
				expect(a.waitedMs).toBeLessThan(LEASE_MS - 3000);
			}
		} finally {
			fake.controls.failEachConversationOnce = false;
		}
		expect(agentLines().filter((l) => l.msg === "job started" && l.attempt === 2).length).toBeGreaterThanOrEqual(12);
	}, 120_000);

	it("keeps a job's lease while the backend's model list hangs and the first token takes longer than a lease", async () => {
		const { edge, fake } = harness();
		fake.controls.hangModelList = true;
		const hungFrom = fake.modelListCount;
		await waitFor("a hung model listing", async () => (fake.modelListCount > hungFrom ? true : undefined), {
			timeoutMs: 20_000,
		});
		const retriesBefore = agentLines().filter((l) => l.msg === "job started" && l.attempt !== 1).length;
		fake.controls.firstTokenDelayMs = LEASE_MS + 6000;
		try {
			const a = await ask(edge, "take your time");
			expect(a.status, a.text).toBe(200);
			expect(a.content).toBe(expectedCompletion(a.messages).content);
			// Bounded: the first token's delay plus a margin, not lease expiries and re-deliveries.
			expect(a.waitedMs).toBeLessThan(LEASE_MS + 6000 + 8000);
		} finally {
			fake.controls.firstTokenDelayMs = 0;
			fake.controls.hangModelList = false;
		}
		// The one job ran once: its lease never lapsed, so it was never delivered again.
		expect(agentLines().filter((l) => l.msg === "job started" && l.attempt !== 1)).toHaveLength(retriesBefore);
		expect(agentLines().filter((l) => l.msg === "backend stopped answering; keeping its last model list")).toHaveLength(
			1,
		);
	}, 120_000);
});
