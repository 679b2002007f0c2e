/**
 * `arcnet-agent status` as an operator reads it: staleness is judged by the
 * running agent's own intervals (from the status file), an idle agent
 * rewrites an unchanged status only now and then, and a GPU
 * source that `--gpu auto` turned to simulated readings says why.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "../../node-agent/build.js";
import { createStatusWriter, type StatusSnapshot, writeStatusFile } from "../../node-agent/src/status-file.js";
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

	it("allows an idle agent its rewrite interval before calling its status stale", async () => {
		const state = freshStateDir();
		mkdirSync(state, { recursive: true });
		// Idle and unchanged, a 5 s agent rewrites every 30 s: 35 s old is fresh, 45 s old is not.
		writeStatusFile(state, { ...snapshot(Date.now() - 35_000, 5_000), rewriteEveryMs: 30_000 });
		expect(await statusOnce(state)).not.toContain("STALE");
		writeStatusFile(state, { ...snapshot(Date.now() - 45_000, 5_000), rewriteEveryMs: 30_000 });
		expect(await statusOnce(state)).toContain("STALE");
	});

	it("writes the status file when the state changes, while jobs run, and every rewrite interval when idle", () => {
		const state = freshStateDir();
		mkdirSync(state, { recursive: true });
		const write = createStatusWriter(state, 30_000);
		const t0 = 1_000_000;
		const idle = (at: number, cpuPct = 1) => ({
			...snapshot(at, 5_000),
			host: { cpuPct, memUsedBytes: 1, memTotalBytes: 2 },
		});
		expect(write(idle(t0))).toBe(true);
		// New readings alone wait for the rewrite interval.
		expect(write(idle(t0 + 5_000, 7))).toBe(false);
		expect(write(idle(t0 + 25_000, 3))).toBe(false);
		expect(JSON.parse(readFileSync(join(state, "status.json"), "utf8")).updatedAt).toBe(t0);
		expect(write(idle(t0 + 30_000, 3))).toBe(true);
		// A changed state is written at once.
		expect(write({ ...idle(t0 + 35_000), connection: "unreachable" })).toBe(true);
		expect(write({ ...idle(t0 + 40_000), connection: "unreachable" })).toBe(false);
		// While a job runs, every tick is written (tokens/s and the job's age move).
		const job = { jobId: "j1", attempt: 1, model: "sim-1", startedAt: t0, queued: false };
		expect(write({ ...idle(t0 + 45_000), running: [job] })).toBe(true);
		expect(write({ ...idle(t0 + 50_000), running: [job] })).toBe(true);
		expect(JSON.parse(readFileSync(join(state, "status.json"), "utf8")).updatedAt).toBe(t0 + 50_000);
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
