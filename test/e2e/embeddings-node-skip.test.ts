/**
 * A node that does not serve embeddings is skipped: two agents in one zone
 * serve the same model, one for embeddings only (`--embedding-models`), the
 * other for chat and legacy completions (the openai backend's default). Every
 * embeddings request is served by the first, every chat request by the second,
 * though both poll the zone for the model.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type AgentSpec, readStoredIdentity, spawnAgent } from "../support/agent-process.js";
import { postEndpoint } from "../support/edge-client.js";
import { type FakeOpenAIServer, startFakeOpenAI } from "../support/fake-openai-server.js";
import { fleetHooks, printFleetLogs } from "../support/fleet-hooks.js";
import { type LocalEdge, startLocalEdge } from "../support/local-edge.js";
import type { ManagedProcess } from "../support/managed-process.js";
import { waitFor } from "../support/wait.js";

const MODEL = "llama-3.1-8b-instruct";
const ZONE = "eu-stockholm";

let workDir = "";
let fake: FakeOpenAIServer | undefined;
let edge: LocalEdge | undefined;
const agents: ManagedProcess[] = [];
const nodeIds: Record<"embeds" | "chats", string> = { embeds: "", chats: "" };

async function post(endpoint: string, body: Record<string, unknown>): Promise<{ status: number; node: string | null }> {
	if (!edge) throw new Error("harness did not start (see beforeAll error)");
	const res = await postEndpoint(edge, endpoint, body);
	await res.text();
	return { status: res.status, node: res.headers.get("x-arcnet-node") };
}

describe("a node that does not serve embeddings is skipped", () => {
	beforeAll(async () => {
		workDir = await mkdtemp(join(tmpdir(), "arcnet-embeddings-skip-"));
		fake = await startFakeOpenAI({ models: [MODEL] });
		edge = await startLocalEdge({ persistDir: join(workDir, "state") });
		try {
			for (const name of ["embeds", "chats"] as const) {
				const spec: AgentSpec = {
					name,
					zoneId: ZONE,
					stateDir: join(workDir, "agents", name),
					backend: { kind: "openai", url: fake.url },
					slots: 4,
					...(name === "embeds" ? { extraArgs: ["--embedding-models", MODEL] } : {}),
				};
				agents.push(await spawnAgent(edge, spec));
				nodeIds[name] = readStoredIdentity(spec.stateDir)?.nodeId ?? "";
			}
			const started = edge;
			// Both nodes have reported their model details once the model lists chat and embeddings.
			await waitFor(
				`${MODEL} served on chat and embeddings`,
				async () => {
					const res = await fetch(`${started.url}/v1/models/${MODEL}`, {
						headers: { authorization: `Bearer ${started.devApiKey}` },
					});
					const endpoints = ((await res.json()) as { arcnet?: { endpoints?: string[] } }).arcnet?.endpoints ?? [];
					if (endpoints.includes("embeddings") && endpoints.includes("chat/completions")) return true;
					throw new Error(`endpoints: [${endpoints.join(", ")}]`);
				},
				{ timeoutMs: 45_000, intervalMs: 250 },
			);
		} catch (err) {
			printFleetLogs({ workDir, edge, fake, agents });
			throw err;
		}
	});

	fleetHooks(() => ({ workDir, edge, fake, agents }));

	it("serves every embeddings request on the node that advertises embeddings, and chat on the other", async () => {
		expect(nodeIds.embeds).toMatch(/^node_/);
		expect(nodeIds.chats).toMatch(/^node_/);
		for (let round = 0; round < 3; round++) {
			const embedded = await Promise.all(
				Array.from({ length: 6 }, (_, i) => post("embeddings", { model: MODEL, input: `text ${round} ${i}` })),
			);
			expect(embedded).toEqual(embedded.map(() => ({ status: 200, node: nodeIds.embeds })));
			const chatted = await Promise.all(
				Array.from({ length: 3 }, (_, i) =>
					post("chat/completions", { model: MODEL, messages: [{ role: "user", content: `hi ${round} ${i}` }] }),
				),
			);
			expect(chatted).toEqual(chatted.map(() => ({ status: 200, node: nodeIds.chats })));
		}
	});
});
