/**
 * A restart of the local Worker (workerd disposed and started again on the
 * same persisted state) with one job leased and two queued. The clients'
 * connections die with it. Afterwards the leased job's agent keeps posting
 * (it retries across the outage) and every job reaches exactly one terminal
 * state: finished, or cancelled because no client re-attached within the
 * grace (one LEASE_MS). None is left queued or running, and the agent serves
 * new work.
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
const prompt = (tag: string) => `${tag} ${Array.from({ length: 20 }, (_, i) => `w${i}`).join(" ")}`;

let workDir = "";
let fake: FakeOpenAIServer | undefined;
let edge: MiniflareEdge | undefined;
let agent: ManagedProcess | undefined;

function harness(): { edge: MiniflareEdge; fake: FakeOpenAIServer } {
	if (!edge || !fake) throw new Error("harness did not start (see beforeAll error)");
	return { edge, fake };
}

/** Sends a chat completion whose connection may die with the Worker; resolves either way. */
function send(edge: MiniflareEdge, tag: string, stream: boolean): Promise<Response | Error> {
	return postChatCompletion(edge, { model: MODEL, stream, messages: [{ role: "user", content: prompt(tag) }] }).catch(
		(err: unknown) => (err instanceof Error ? err : new Error(String(err))),
	);
}

describe("a Worker restart with jobs leased and queued", () => {
	beforeAll(async () => {
		workDir = await mkdtemp(join(tmpdir(), "arcnet-restart-"));
		fake = await startFakeOpenAI({ models: [MODEL], tokenDelayMs: 150 });
		// A short lease keeps the grace for reader-less jobs (one lease) and the test short.
		edge = await startMiniflareEdge({ persistDir: join(workDir, "state"), vars: { LEASE_MS: "5000" } });
		agent = await spawnAgent(edge, {
			name: "restart-agent",
			zoneId: ZONE,
			stateDir: join(workDir, "agent"),
			backend: { kind: "openai", url: fake.url },
			slots: 1,
			telemetryIntervalMs: 1_000,
		});
		await waitForModel(edge, MODEL, 45_000);
	}, 180_000);

	beforeEach(({ onTestFailed }) => {
		onTestFailed(() => {
			console.error(`--- edge\n${edge?.logs().slice(-60).join("\n")}\n--- agent\n${agent?.logs.slice(-60).join("\n")}`);
		});
	});

	afterAll(async () => {
		await agent?.stop(15_000);
		await edge?.stop();
		await fake?.close();
		if (workDir) await rm(workDir, { recursive: true, force: true });
	});

	it("brings every accepted job to one terminal state and keeps serving", async () => {
		const { edge, fake } = harness();
		const leased = await send(edge, "leased", true);
		if (leased instanceof Error) throw leased;
		// A stream is answered when its zone accepts the job; the queue depth below shows it took the slot.
		expect(leased.status).toBe(200);
		const queued = [send(edge, "queued-a", false), send(edge, "queued-b", true)];
		// Both wait behind the one slot; the zone reports its queue to D1 within a second.
		await waitFor(
			"two jobs queued behind the leased one",
			async () => {
				const rows = await edge.queryD1(`SELECT queue_depth AS q FROM zone_status WHERE zone_id = '${ZONE}'`);
				return Number(rows[0]?.q) === 2 ? true : undefined;
			},
			{ timeoutMs: 20_000, intervalMs: 100 },
		);

		await edge.restart();
		const outcomes = await Promise.all([leased.text().catch((e: unknown) => e), ...queued]);
		expect(outcomes).toHaveLength(3);

		const terminal = await waitFor(
			"three jobs in a terminal state in D1",
			async () => {
				const rows = await edge.queryD1("SELECT id, status FROM jobs ORDER BY received_at");
				const done = rows.filter((r) => ["succeeded", "failed", "cancelled", "expired"].includes(String(r.status)));
				return rows.length === 3 && done.length === 3 ? rows : undefined;
			},
			{ timeoutMs: 60_000, intervalMs: 500 },
		);
		// The leased job arrived first: the other two were sent once its answer had started.
		const leasedStatus = terminal[0]?.status;
		console.info(`after the restart: ${terminal.map((r) => r.status).join(", ")} (leased job: ${leasedStatus})`);
		expect(new Set(terminal.map((r) => r.id)).size).toBe(3);
		for (const row of terminal) expect(["succeeded", "cancelled"]).toContain(row.status);
		await waitFor("the backend to be idle", async () => (fake.openStreams === 0 ? true : undefined), {
			timeoutMs: 20_000,
		});
		const status = await edge.queryD1(`SELECT queue_depth AS q FROM zone_status WHERE zone_id = '${ZONE}'`);
		expect(Number(status[0]?.q)).toBe(0);

		const messages = [{ role: "user" as const, content: "after the restart" }];
		const res = await postChatCompletion(edge, { model: MODEL, messages });
		const body = await res.text();
		expect(res.status, body).toBe(200);
		expect(JSON.parse(body).choices[0].message.content).toBe(expectedCompletion(messages).content);
		expect(agent?.isRunning()).toBe(true);
	}, 150_000);
});
