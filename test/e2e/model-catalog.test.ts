/**
 * A real agent advertises what its backend serves, and the edge shows it: the
 * Worker under `wrangler dev`, one agent process from the bundle on a fake
 * OpenAI server, and GET /v1/models and /v1/models/{id} read over loopback.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnAgent } from "../support/agent-process.js";
import { waitForModel } from "../support/edge-client.js";
import { type FakeOpenAIServer, startFakeOpenAI } from "../support/fake-openai-server.js";
import { type LocalEdge, startLocalEdge } from "../support/local-edge.js";
import type { ManagedProcess } from "../support/managed-process.js";
import { waitFor } from "../support/wait.js";

const MODEL = "catalog-model-7b";
const ZONE = "eu-stockholm";

let workDir = "";
let fake: FakeOpenAIServer | undefined;
let edge: LocalEdge | undefined;
let agent: ManagedProcess | undefined;

async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
	if (!edge) throw new Error("edge did not start");
	const res = await fetch(`${edge.url}${path}`, {
		headers: { authorization: `Bearer ${edge.devApiKey}` },
		signal: AbortSignal.timeout(10_000),
	});
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("model catalog end to end", () => {
	beforeAll(async () => {
		workDir = await mkdtemp(join(tmpdir(), "arcnet-e2e-catalog-"));
		fake = await startFakeOpenAI({ models: [MODEL] });
		edge = await startLocalEdge({ persistDir: join(workDir, "state") });
		agent = await spawnAgent(edge, {
			name: "e2e-catalog",
			zoneId: ZONE,
			stateDir: join(workDir, "agent"),
			backend: { kind: "openai", url: fake.url },
			telemetryIntervalMs: 1_000,
		});
		await waitForModel(edge, MODEL, 45_000);
	});

	afterAll(async () => {
		await agent?.stop(15_000);
		await edge?.stop();
		await fake?.close();
		if (workDir) await rm(workDir, { recursive: true, force: true });
	});

	it("lists the agent's model with the endpoints it advertised, and answers it by id", async () => {
		// A node that advertised nothing would show chat completions only; this agent serves legacy completions too.
		await waitFor(
			"the agent's advertised endpoints in GET /v1/models/{id}",
			async () => {
				const { status, body } = await getJson(`/v1/models/${MODEL}`);
				const endpoints = (body.arcnet as { endpoints?: string[] } | undefined)?.endpoints ?? [];
				if (status === 200 && endpoints.includes("completions")) return true;
				throw new Error(`${status} ${JSON.stringify(body)}`);
			},
			{ timeoutMs: 30_000, intervalMs: 500 },
		);
		const { body } = await getJson(`/v1/models/${MODEL}`);
		expect(body).toMatchObject({
			id: MODEL,
			object: "model",
			owned_by: "arcnet",
			arcnet: { zones: [ZONE], endpoints: ["chat/completions", "completions"], inputs: [] },
		});
		const missing = await getJson("/v1/models/not-served-anywhere");
		expect(missing.status).toBe(404);
		expect(missing.body.error).toMatchObject({ code: "model_not_found", param: "model" });
	});
});
