/**
 * The README's legacy completions and embeddings examples against an agent
 * on the simulated backend, as `npm run dev`'s fleet runs it (its models,
 * scripts/dev-fleet.ts): both answer in OpenAI's shapes, with curl's bodies
 * and through the official `openai` client (whose embeddings ask for base64).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { DEV_MODELS } from "../../scripts/dev-fleet.js";
import { spawnAgent } from "../support/agent-process.js";
import { postEndpoint, waitForModel } from "../support/edge-client.js";
import { fleetHooks, printFleetLogs } from "../support/fleet-hooks.js";
import { type LocalEdge, startLocalEdge } from "../support/local-edge.js";
import type { ManagedProcess } from "../support/managed-process.js";

const [MODEL] = DEV_MODELS;
let workDir = "";
let edge: LocalEdge | undefined;
const agents: ManagedProcess[] = [];

async function post(endpoint: string, body: Record<string, unknown>): Promise<{ status: number; json: unknown }> {
	if (!edge) throw new Error("harness did not start (see beforeAll error)");
	const res = await postEndpoint(edge, endpoint, body);
	return { status: res.status, json: await res.json() };
}

describe("the simulated fleet answers legacy completions and embeddings", () => {
	beforeAll(async () => {
		workDir = await mkdtemp(join(tmpdir(), "arcnet-sim-endpoints-"));
		edge = await startLocalEdge({ persistDir: join(workDir, "state") });
		try {
			const backend = { kind: "simulated", models: DEV_MODELS, tokensPerSecond: 0 } as const;
			const spec = { name: "sim", zoneId: "eu-stockholm", stateDir: join(workDir, "agent"), backend, slots: 4 };
			agents.push(await spawnAgent(edge, spec));
			await waitForModel(edge, MODEL, 45_000);
		} catch (err) {
			printFleetLogs({ workDir, edge, fake: undefined, agents });
			throw err;
		}
	});

	fleetHooks(() => ({ workDir, edge, fake: undefined, agents }));

	it("answers the README's curl bodies in OpenAI's shapes", async () => {
		const completion = await post("completions", { model: MODEL, prompt: "The grid at noon is", max_tokens: 8 });
		expect(completion).toMatchObject({
			status: 200,
			json: { object: "text_completion", model: MODEL, choices: [{ index: 0, text: expect.any(String) }] },
		});
		const embedded = await post("embeddings", { model: MODEL, input: ["solar noon", "wind at night"] });
		expect(embedded).toMatchObject({ status: 200, json: { object: "list", model: MODEL } });
		const data = (embedded.json as { data: { index: number; embedding: number[] }[] }).data;
		expect(data.map((d) => [d.index, d.embedding.length])).toEqual([
			[0, 16],
			[1, 16],
		]);
	});

	it("works with the official openai client, streamed completions and base64 embeddings included", async () => {
		if (!edge) throw new Error("harness did not start");
		const client = new OpenAI({ baseURL: `${edge.url}/v1`, apiKey: edge.devApiKey, maxRetries: 0 });
		const whole = await client.completions.create({ model: MODEL, prompt: "The grid at noon is", max_tokens: 8 });
		const stream = await client.completions.create({
			model: MODEL,
			prompt: "The grid at noon is",
			max_tokens: 8,
			stream: true,
		});
		let text = "";
		for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
		expect(text).toBe(whole.choices[0]?.text);
		expect(whole.choices[0]?.finish_reason).toBe("length");

		const embedded = await client.embeddings.create({ model: MODEL, input: "solar noon", dimensions: 8 });
		const vector = embedded.data[0]?.embedding ?? [];
		expect(vector).toHaveLength(8);
		expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
	});
});
