/**
 * `arcnet-agent status` as an operator reads it: staleness is judged by the
 * running agent's own telemetry interval (from the status file), and a GPU
 * source that `--gpu auto` turned to simulated readings says why.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "../../node-agent/build.js";
import { type StatusSnapshot, writeStatusFile } from "../../node-agent/src/status-file.js";
import { bundleCommand, freshStateDir } from "./agent-bundle-process.js";
import { FakeEdge, waitFor } from "./agent-fake-edge.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "nvidia-smi");

let bundle = "";
beforeAll(async () => {
	bundle = join(mkdtempSync(join(tmpdir(), "arcnet-agent-status-")), "arcnet-agent.mjs");
	await buildAgent(bundle);
});

let edges: FakeEdge[] = [];
afterEach(async () => {
	await Promise.all(edges.map((e) => e.stop().catch(() => undefined)));
	edges = [];
});

function snapshot(updatedAt: number, telemetryIntervalMs: number): StatusSnapshot {
	return {
		version: 1,
		pid: 1,
		nodeId: "node-1",
		zoneId: "eu-stockholm",
		edgeUrl: "http://127.0.0.1:1",
		updatedAt,
		telemetryIntervalMs,
		connection: "connected",
		transport: "http",
		draining: false,
		backend: "simulated",
		models: ["sim-1"],
		hardware: "simulated",
		gpuProblem: null,
		gpus: [],
		host: { cpuPct: 1, memUsedBytes: 1, memTotalBytes: 2 },
		slots: 4,
		running: [],
		tokensPerSecond: 0,
		queueDepth: 0,
	};
}

async function statusOnce(state: string): Promise<string> {
	const status = bundleCommand(bundle, ["status", "--once", "--state-dir", state]);
	expect(await status.exited).toBe(0);
	return status.output();
}

describe("agent status view", () => {
	it("judges staleness by the agent's telemetry interval, not its own", async () => {
		const state = freshStateDir();
		mkdirSync(state, { recursive: true });
		// An agent that reports every 60 s wrote 20 s ago: fresh, though status's own default (5 s) says 15 s.
		writeStatusFile(state, snapshot(Date.now() - 20_000, 60_000));
		expect(await statusOnce(state)).not.toContain("STALE");
		// An agent that reports every second wrote 5 s ago: it has stopped.
		writeStatusFile(state, snapshot(Date.now() - 5_000, 1_000));
		expect(await statusOnce(state)).toContain("STALE");
	});

	it("shows why --gpu auto chose simulated readings when the driver is broken", async () => {
		const edge = await new FakeEdge(undefined, { channel: false }).start(0);
		edges.push(edge);
		const state = freshStateDir();
		const enroll = bundleCommand(bundle, [
			"enroll",
			"--edge",
			edge.url,
			"--token",
			"enroll-token-0123456789",
			"--state-dir",
			state,
		]);
		expect(await enroll.exited).toBe(0);
		const dir = mkdtempSync(join(tmpdir(), "arcnet-broken-smi-"));
		const message = readFileSync(join(FIXTURES, "driver-failure.txt"), "utf8")
			.split("\n")
			.filter((l) => l !== "" && !l.startsWith("#"))
			.join("\n");
		writeFileSync(join(dir, "out.txt"), `${message}\n`);
		const smi = join(dir, "nvidia-smi");
		writeFileSync(smi, `#!/bin/sh\ncat "${join(dir, "out.txt")}"\nexit 9\n`);
		chmodSync(smi, 0o755);
		const run = bundleCommand(bundle, [
			"run",
			"--state-dir",
			state,
			"--backend",
			"simulated",
			"--gpu",
			"auto",
			"--nvidia-smi",
			smi,
			"--telemetry-interval-ms",
			"1000",
			"--poll-wait-ms",
			"300",
		]);
		try {
			await waitFor("status file", () => {
				try {
					return statSync(join(state, "status.json")).size > 0;
				} catch {
					return false;
				}
			});
			const view = await statusOnce(state);
			const firstLine = message.split("\n")[0] ?? "";
			expect(view).toContain(`GPUs (simulated)  nvidia-smi: ${smi} exited with 9: ${firstLine}`);
		} finally {
			run.kill("SIGTERM");
			await run.exited;
		}
	});
});
