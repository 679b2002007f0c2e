/**
 * A node's own power end to end: a real agent from the bundle, declaring
 * solar power and reading its GPUs from a fake nvidia-smi, behind the real
 * Worker under `wrangler dev`. The zone's carbon figure is labelled as
 * declared in the routing record, and the job's energy comes back measured.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnAgent } from "../support/agent-process.js";
import { postChatCompletion, waitForModel } from "../support/edge-client.js";
import { type LocalEdge, startLocalEdge } from "../support/local-edge.js";
import type { ManagedProcess } from "../support/managed-process.js";
import { waitFor } from "../support/wait.js";

const MODEL = "arcnet-sim-power";

let workDir = "";
let edge: LocalEdge | undefined;
let agent: ManagedProcess | undefined;

/** A fake nvidia-smi: the telemetry query gets one L4 row, the energy meter's query a 60 W draw and no counter. */
function fakeNvidiaSmi(dir: string): string {
	const path = join(dir, "nvidia-smi");
	writeFileSync(
		path,
		`#!/bin/sh
case "$1" in
  *total_energy_consumption*) echo "60.00, [N/A]" ;;
  *) echo "0, NVIDIA L4, GPU-1a2b3c4d-0000-0000-0000-000000000000, 50, 1000, 23034, 45, 60.00, 72.00" ;;
esac
`,
	);
	chmodSync(path, 0o755);
	return path;
}

describe("node power end to end", () => {
	beforeAll(async () => {
		workDir = await mkdtemp(join(tmpdir(), "arcnet-e2e-power-"));
		edge = await startLocalEdge({ persistDir: join(workDir, "state") });
		agent = await spawnAgent(edge, {
			name: "e2e-power",
			zoneId: "eu-stockholm",
			stateDir: join(workDir, "agent"),
			backend: { kind: "simulated", models: [MODEL], tokensPerSecond: 200 },
			telemetryIntervalMs: 1000,
			extraArgs: [
				"--gpu",
				"nvidia-smi",
				"--nvidia-smi",
				fakeNvidiaSmi(workDir),
				"--power-source",
				"solar",
				"--power-gco2-per-kwh",
				"5",
				"--power-note",
				"e2e",
			],
		});
		await waitForModel(edge, MODEL, 45_000);
	});

	afterAll(async () => {
		await agent?.stop(15_000);
		await edge?.stop();
		if (workDir) await rm(workDir, { recursive: true, force: true });
	});

	it("labels the zone's figure as declared and returns the job's measured energy", async () => {
		if (!edge) throw new Error("edge did not start");
		const running = edge;
		// The zone's power reaches the router with its next flush to D1; ask until a decision shows it.
		const arcnet = await waitFor(
			"a response routed on the node's declared power",
			async () => {
				const res = await postChatCompletion(running, {
					model: MODEL,
					messages: [{ role: "user", content: "count to twenty" }],
					max_tokens: 20,
				});
				const body = (await res.json()) as { arcnet?: Record<string, unknown> };
				const seen = body.arcnet;
				if (res.status !== 200 || !seen) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
				if (!String(seen.carbon_source).endsWith("+declared")) throw new Error(`arcnet ${JSON.stringify(seen)}`);
				return seen;
			},
			{ timeoutMs: 60_000, intervalMs: 1000 },
		);
		// One 72 W L4 on solar at 5 g/kWh is the whole zone: its figure is 5 g/kWh.
		expect(arcnet).toMatchObject({
			zone: "eu-stockholm",
			gco2_per_kwh: 5,
			energy_source: "measured",
			estimated: false,
		});
		expect(arcnet.energy_j).toBeGreaterThan(0);
	});
});
