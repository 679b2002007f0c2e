/**
 * The agent against the fake edge of agent-fake-edge.ts on loopback: in-process for the work
 * loop, and as the built bundle in a child process for enroll, SIGTERM drain
 * and release.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "../../node-agent/build.js";
import { createSimulatedBackend, simulatedTokens } from "../../node-agent/src/backends/simulated.js";
import { EdgeClient } from "../../node-agent/src/edge-client.js";
import type { Identity } from "../../node-agent/src/identity.js";
import { createTokenSource } from "../../node-agent/src/jwt.js";
import { createLogger } from "../../node-agent/src/logger.js";
import { createSimulatedGpu } from "../../node-agent/src/telemetry/gpu-simulated.js";
import { createHostSampler } from "../../node-agent/src/telemetry/host.js";
import { EXIT_REVOKED, WorkLoop } from "../../node-agent/src/work-loop.js";
import { FakeEdge, fakeIdentity, fakeJob, waitFor } from "./agent-fake-edge.js";

/** The Node binary that runs the bundle; set ARCNET_AGENT_TEST_NODE=/usr/bin/node to check Node 20. */
const AGENT_NODE = process.env.ARCNET_AGENT_TEST_NODE || process.execPath;

let edge: FakeEdge;
afterEach(async () => {
	await edge?.stop();
});

function inProcessLoop(identity: Identity, overrides: { drainGraceMs?: number; tokensPerSecond?: number } = {}) {
	return new WorkLoop({
		edge: new EdgeClient({ edgeUrl: edge.url, tokens: createTokenSource(identity) }),
		backend: createSimulatedBackend({ models: ["sim-1"], tokensPerSecond: overrides.tokensPerSecond ?? 0 }),
		logger: createLogger({ format: "json", level: "error", write: () => {} }),
		gpu: createSimulatedGpu(),
		host: createHostSampler(),
		slots: 2,
		pollWaitMs: 1000,
		telemetryIntervalMs: 1000,
		drainGraceMs: overrides.drainGraceMs ?? 5000,
	});
}

const testIdentity = (): Identity => fakeIdentity(edge);

describe("agent work loop (in process)", () => {
	it("runs a leased job and posts its output in seq order, then a done event", async () => {
		edge = await new FakeEdge().start();
		const loop = inProcessLoop(testIdentity());
		const j = fakeJob(1);
		edge.state.queue.push(j);
		const exit = loop.run();
		await waitFor("done event", () => edge.state.events.get(j.jobId)?.at(-1)?.type === "done");
		loop.shutdown();
		expect(await exit).toBe(0);
		const events = edge.state.events.get(j.jobId) ?? [];
		expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
		expect(edge.state.text(j.jobId)).toBe(simulatedTokens("sim-1", j.request).join(""));
		expect(events.at(-1)).toMatchObject({ type: "done", finishReason: "stop" });
		expect(edge.state.telemetry[0]).toMatchObject({ hardware: "simulated", slots: 2, models: ["sim-1"] });
		expect(edge.state.authFailures).toBe(0);
	});

	it("stops with exit code 78 when the edge says node_revoked", async () => {
		edge = await new FakeEdge().start();
		edge.state.revoked = true;
		const loop = inProcessLoop(testIdentity());
		expect(await loop.run()).toBe(EXIT_REVOKED);
	});

	it("releases a job that outlives the grace period on shutdown", async () => {
		edge = await new FakeEdge().start();
		const loop = inProcessLoop(testIdentity(), { drainGraceMs: 0, tokensPerSecond: 5 });
		const j = fakeJob(2);
		edge.state.queue.push(j);
		const exit = loop.run();
		await waitFor("first delta", () => (edge.state.events.get(j.jobId)?.length ?? 0) > 0);
		loop.shutdown();
		expect(await exit).toBe(0);
		expect(edge.state.released).toEqual([j.jobId]);
		expect(edge.state.events.get(j.jobId)?.some((e) => e.type === "done")).toBe(false);
	});
});

describe("agent bundle (child process)", () => {
	let bundle = "";
	beforeAll(async () => {
		bundle = join(mkdtempSync(join(tmpdir(), "arcnet-agent-bundle-")), "arcnet-agent.mjs");
		await buildAgent(bundle);
	});

	function agent(
		args: string[],
		stateDir: string,
	): ChildProcess & { output: () => string; exited: Promise<number | null> } {
		const child = spawn(AGENT_NODE, [bundle, ...args, "--state-dir", stateDir, "--edge", edge.url], {
			stdio: ["ignore", "pipe", "pipe"],
			env: { PATH: process.env.PATH ?? "" },
		});
		let out = "";
		child.stdout?.on("data", (d) => {
			out += d;
		});
		child.stderr?.on("data", (d) => {
			out += d;
		});
		const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
		return Object.assign(child, { output: () => out, exited });
	}

	it("enrolls, refuses to enroll twice, and on SIGTERM lets the running job finish before exiting 0", async () => {
		edge = await new FakeEdge().start();
		const state = join(mkdtempSync(join(tmpdir(), "arcnet-agent-state-")), "state");
		const enroll = agent(["enroll", "--token", "enroll-token-0123456789", "--name", "gpu-1"], state);
		expect(await enroll.exited).toBe(0);
		expect(statSync(join(state, "identity.json")).mode & 0o777).toBe(0o600);
		const again = agent(["enroll", "--token", "enroll-token-0123456789"], state);
		expect(await again.exited).toBe(73);
		expect(again.output()).toContain("pass --force");

		const j = fakeJob(3, 12);
		edge.state.queue.push(j);
		const run = agent(
			[
				"run",
				"--backend",
				"simulated",
				"--models",
				"sim-1",
				"--sim-tokens-per-second",
				"20",
				"--poll-wait-ms",
				"500",
				"--log-format",
				"json",
			],
			state,
		);
		await waitFor("first delta", () => (edge.state.events.get(j.jobId)?.length ?? 0) > 0);
		run.kill("SIGTERM");
		expect(await run.exited).toBe(0);
		expect(edge.state.events.get(j.jobId)?.at(-1)).toMatchObject({
			type: "done",
			finishReason: "length",
			usage: { completion_tokens: 12 },
		});
		expect(edge.state.text(j.jobId)).toBe(simulatedTokens("sim-1", j.request).slice(0, 12).join(""));
		expect(edge.state.released).toEqual([]);
		const lines = run
			.output()
			.trim()
			.split("\n")
			.map((l) => JSON.parse(l) as Record<string, unknown>);
		expect(lines.some((l) => l.msg === "job started" && l.jobId === j.jobId && l.attempt === 1)).toBe(true);
		expect(edge.state.authFailures).toBe(0);
	});

	it("exits at once with 143 on a second SIGTERM", async () => {
		edge = await new FakeEdge().start();
		const state = join(mkdtempSync(join(tmpdir(), "arcnet-agent-state-")), "state");
		expect(await agent(["enroll", "--token", "enroll-token-0123456789"], state).exited).toBe(0);
		const j = fakeJob(4);
		edge.state.queue.push(j);
		const run = agent(
			["run", "--backend", "simulated", "--models", "sim-1", "--sim-tokens-per-second", "1", "--poll-wait-ms", "500"],
			state,
		);
		await waitFor("first delta", () => (edge.state.events.get(j.jobId)?.length ?? 0) > 0);
		run.kill("SIGTERM");
		await waitFor("drain log", () => run.output().includes("draining"));
		run.kill("SIGTERM");
		expect(await run.exited).toBe(143);
	});
});
