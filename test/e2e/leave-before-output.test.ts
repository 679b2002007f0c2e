/**
 * A streaming client that leaves while its job is still queued, with nothing
 * mocked between client and backend, under `wrangler dev` and under the
 * production bundle in Miniflare. Local workerd fires no request.signal for a
 * client gone before the response, so what sees it is the failed write of a
 * keep-alive comment: the job is recorded `cancelled` in D1, and the key (one
 * request at a time) is admitted again instead of refused with 429.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { spawnAgent } from "../support/agent-process.js";
import { type EdgeEndpoint, waitForModel } from "../support/edge-client.js";
import { type FakeOpenAIServer, startFakeOpenAI } from "../support/fake-openai-server.js";
import { type LocalEdge, type LocalEdgeOptions, queryLocalD1, startLocalEdge } from "../support/local-edge.js";
import type { ManagedProcess } from "../support/managed-process.js";
import { startMiniflareEdge } from "../support/miniflare-edge.js";
import { waitFor } from "../support/wait.js";

const MODEL = "llama-3.1-8b-instruct";
const ZONE = "eu-stockholm";
/** 600 words at 100 ms a token: the one slot stays busy for the whole test. */
const LONG_PROMPT = Array.from({ length: 600 }, (_, i) => `word${i}`).join(" ");

interface Runtime {
	name: string;
	start(options: LocalEdgeOptions): Promise<LocalEdge>;
	query(edge: LocalEdge, sql: string): Promise<Record<string, unknown>[]>;
}

const RUNTIMES: Runtime[] = [
	{ name: "wrangler dev", start: startLocalEdge, query: (edge, sql) => queryLocalD1(edge.persistDir, sql) },
	{
		name: "the production bundle in Miniflare",
		start: startMiniflareEdge,
		query: (edge, sql) => {
			if (!("queryD1" in edge) || typeof edge.queryD1 !== "function") throw new Error("not a Miniflare edge");
			return edge.queryD1(sql);
		},
	},
];

async function admin<T>(edge: EdgeEndpoint, method: string, path: string, body?: unknown): Promise<T> {
	const res = await fetch(`${edge.url}/admin/v1${path}`, {
		method,
		headers: { authorization: `Bearer ${edge.adminKey}`, "content-type": "application/json" },
		...(body !== undefined ? { body: JSON.stringify(body) } : {}),
		signal: AbortSignal.timeout(15_000),
	});
	const text = await res.text();
	if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
	return JSON.parse(text) as T;
}

describe.each(RUNTIMES)("a streaming client that leaves before its first output, under $name", (runtime) => {
	let workDir = "";
	let fake: FakeOpenAIServer | undefined;
	let edge: LocalEdge | undefined;
	let agent: ManagedProcess | undefined;

	beforeAll(async () => {
		workDir = await mkdtemp(join(tmpdir(), "arcnet-leave-"));
		fake = await startFakeOpenAI({ models: [MODEL], tokenDelayMs: 100 });
		edge = await runtime.start({ persistDir: join(workDir, "state"), vars: { SSE_KEEPALIVE_MS: "500" } });
		const spec = {
			name: "leave-agent",
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

	it("cancels the queued job, records it cancelled and gives the key its permit back", async () => {
		if (!edge) throw new Error("harness did not start (see beforeAll error)");
		const local = edge;
		const tenant = await admin<{ id: string }>(local, "POST", "/tenants", { name: "leaves early", maxConcurrent: 1 });
		const { id: keyId, key } = await admin<{ id: string; key: string }>(local, "POST", "/keys", {
			tenantId: tenant.id,
			name: "one at a time",
			scopes: ["inference"],
		});
		const stream = (signal: AbortSignal) =>
			fetch(`${local.url}/v1/chat/completions`, {
				method: "POST",
				headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
				body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: "user", content: "queued" }] }),
				signal,
			});

		// Another tenant's long answer holds the only slot, so the key's job queues behind it.
		// Its body is read as it comes: an unread response can be garbage-collected, and undici then closes
		// the connection, which ends the holder's job and frees the slot early.
		const holder = new AbortController();
		const holding = fetch(`${local.url}/v1/chat/completions`, {
			method: "POST",
			headers: { authorization: `Bearer ${local.devApiKey}`, "content-type": "application/json" },
			body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: "user", content: LONG_PROMPT }] }),
			signal: holder.signal,
		})
			.then(async (res) => {
				const reader = res.body?.getReader();
				while (reader && !(await reader.read()).done) {}
			})
			.catch(() => undefined);
		await waitFor("the slot to be busy", async () => (fake?.openStreams === 1 ? true : undefined), {
			timeoutMs: 20_000,
		});

		const client = new AbortController();
		const leaving = stream(client.signal).catch(() => undefined);
		await sleep(1_000);
		client.abort();
		await leaving;

		const status = await waitFor(
			"the abandoned job's terminal state in D1",
			async () => {
				const rows = await runtime.query(local, `SELECT status FROM jobs WHERE tenant_id = '${tenant.id}'`);
				return rows[0]?.status === "queued" ? undefined : (rows[0]?.status as string | undefined);
			},
			{ timeoutMs: 30_000, intervalMs: 1_000 },
		);
		expect(status).toBe("cancelled");
		expect(fake?.openStreams).toBe(1);
		const usage = await admin<{ inFlight: number; tokensReservedToday: number }>(local, "GET", `/keys/${keyId}/usage`);
		expect(usage).toMatchObject({ inFlight: 0, tokensReservedToday: 0 });

		// The permit is back: the key's next request is admitted (and queues) instead of a 429.
		const next = new AbortController();
		const admitted = await stream(next.signal);
		expect(admitted.status).toBe(200);
		next.abort();
		holder.abort();
		await holding;
	}, 120_000);
});
