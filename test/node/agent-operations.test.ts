/**
 * The agent as an operator meets it: it survives an edge restart in the
 * middle of a job, logs a 401 outage once, `doctor` reports good and bad
 * setups with fix hints, `status --once` renders the running agent's status
 * file, and `rotate-key` swaps the key so only the new one is accepted.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "../../node-agent/build.js";
import { createSimulatedBackend, simulatedTokens } from "../../node-agent/src/backends/simulated.js";
import { Backoff } from "../../node-agent/src/backoff.js";
import { EdgeChannel } from "../../node-agent/src/edge-channel.js";
import { EdgeClient } from "../../node-agent/src/edge-client.js";
import { generateKeyPair, type Identity, loadIdentity } from "../../node-agent/src/identity.js";
import { createTokenSource } from "../../node-agent/src/jwt.js";
import { createLogger } from "../../node-agent/src/logger.js";
import { createSimulatedGpu } from "../../node-agent/src/telemetry/gpu-simulated.js";
import { createHostSampler } from "../../node-agent/src/telemetry/host.js";
import { WorkLoop } from "../../node-agent/src/work-loop.js";
import { FAKE_NODE_ID, FakeEdge, type FakeEdgeState, fakeIdentity, fakeJob, waitFor } from "./agent-fake-edge.js";

const AGENT_NODE = process.env.ARCNET_AGENT_TEST_NODE || process.execPath;

let edges: FakeEdge[] = [];
afterEach(async () => {
	await Promise.all(edges.map((e) => e.stop().catch(() => undefined)));
	edges = [];
});

async function startEdge(state?: FakeEdgeState, port = 0, channel = false): Promise<FakeEdge> {
	const edge = await new FakeEdge(state, { channel }).start(port);
	edges.push(edge);
	return edge;
}

const identityFor = fakeIdentity;

function loop(edge: FakeEdge, identity: Identity, lines: string[], tokensPerSecond = 0, channel?: EdgeChannel) {
	return new WorkLoop({
		edge: new EdgeClient({ edgeUrl: edge.url, tokens: createTokenSource(identity), ...(channel ? { channel } : {}) }),
		backend: createSimulatedBackend({ models: ["sim-1"], tokensPerSecond }),
		logger: createLogger({ format: "json", level: "info", write: (l) => lines.push(l) }),
		gpu: createSimulatedGpu(),
		host: createHostSampler(),
		slots: 2,
		pollWaitMs: 1000,
		telemetryIntervalMs: 1000,
		drainGraceMs: 5000,
	});
}

describe("agent resilience (in process)", () => {
	it("keeps a job's events flowing across an edge restart, without gaps or duplicates", async () => {
		const first = await startEdge();
		const state = first.state;
		const identity = identityFor(first);
		const lines: string[] = [];
		const agent = loop(first, identity, lines, 25);
		const j = fakeJob(1);
		state.queue.push(j);
		const exit = agent.run();
		await waitFor("first delta", () => (state.events.get(j.jobId)?.length ?? 0) > 0);
		const port = first.port;
		await first.stop();
		edges = [];
		// The agent keeps producing output while the edge is down; it must be delivered after the restart.
		await new Promise((r) => setTimeout(r, 300));
		await startEdge(state, port);
		await waitFor("done event after restart", () => state.events.get(j.jobId)?.at(-1)?.type === "done");
		agent.shutdown();
		expect(await exit).toBe(0);
		const events = state.events.get(j.jobId) ?? [];
		expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
		expect(state.text(j.jobId)).toBe(simulatedTokens("sim-1", j.request).join(""));
		expect(state.released).toEqual([]);
		const msgs = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
		expect(msgs.filter((m) => m === "edge unreachable; retrying with backoff").length).toBeLessThanOrEqual(1);
	});

	it("serves jobs over the WebSocket channel, and across an edge restart reconnects it without gaps or duplicates", async () => {
		const first = await startEdge(undefined, 0, true);
		const state = first.state;
		const identity = identityFor(first);
		const lines: string[] = [];
		const logger = createLogger({ format: "json", level: "info", write: (l) => lines.push(l) });
		const backoff = new Backoff({ baseMs: 50, capMs: 200 });
		const channel = new EdgeChannel({ edgeUrl: first.url, tokens: createTokenSource(identity), logger, backoff });
		channel.start();
		await waitFor("the channel to open", () => channel.ready);
		const agent = loop(first, identity, lines, 25, channel);
		const j = fakeJob(1);
		state.queue.push(j);
		const exit = agent.run();
		await waitFor("first delta", () => (state.events.get(j.jobId)?.length ?? 0) > 0);
		expect(state.channelRequests).toBeGreaterThan(0);
		const port = first.port;
		await first.stop();
		edges = [];
		await new Promise((r) => setTimeout(r, 300));
		await startEdge(state, port, true);
		await waitFor("done event after restart", () => state.events.get(j.jobId)?.at(-1)?.type === "done");
		await waitFor("the channel to reopen", () => state.channelsOpened >= 2 && channel.ready);
		const second = fakeJob(2);
		const before = state.channelRequests;
		state.queue.push(second);
		edges[0]?.wake();
		await waitFor("second job done", () => state.events.get(second.jobId)?.at(-1)?.type === "done");
		expect(state.channelRequests).toBeGreaterThan(before);
		agent.shutdown();
		expect(await exit).toBe(0);
		await channel.stop();
		for (const job of [j, second]) {
			const events = state.events.get(job.jobId) ?? [];
			expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
			expect(state.text(job.jobId)).toBe(simulatedTokens("sim-1", job.request).join(""));
		}
		expect(state.released).toEqual([]);
	});

	it("logs a 401 outage once, not on every retry, and its end once", async () => {
		const edge = await startEdge();
		const identity = identityFor(edge);
		const good = edge.state.publicJwk;
		edge.state.publicJwk = generateKeyPair().publicJwk;
		const lines: string[] = [];
		const agent = loop(edge, identity, lines);
		const exit = agent.run();
		await waitFor("several refused calls", () => edge.state.authFailures >= 4);
		edge.state.publicJwk = good;
		await waitFor("accepted again", () => lines.some((l) => l.includes("edge accepts this node again")));
		agent.shutdown();
		expect(await exit).toBe(0);
		const refusals = lines.filter((l) => l.includes("does not accept this node's key (401)"));
		expect(refusals).toHaveLength(1);
	});
});

describe("agent commands (bundle, child process)", () => {
	let bundle = "";
	beforeAll(async () => {
		bundle = join(mkdtempSync(join(tmpdir(), "arcnet-agent-ops-")), "arcnet-agent.mjs");
		await buildAgent(bundle);
	});

	function agent(args: string[], env: Record<string, string> = {}) {
		const child: ChildProcess = spawn(AGENT_NODE, [bundle, ...args], {
			stdio: ["ignore", "pipe", "pipe"],
			env: { PATH: process.env.PATH ?? "", ...env },
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

	function stateDir(): string {
		return join(mkdtempSync(join(tmpdir(), "arcnet-agent-state-")), "state");
	}

	it("doctor reports every check ok for an enrolled node with a working backend", async () => {
		const edge = await startEdge();
		const state = stateDir();
		expect(
			await agent(["enroll", "--edge", edge.url, "--token", "enroll-token-0123456789", "--state-dir", state]).exited,
		).toBe(0);
		const doctor = agent([
			"doctor",
			"--state-dir",
			state,
			"--backend",
			"simulated",
			"--gpu",
			"simulated",
			"--power-source",
			"wind",
		]);
		expect(await doctor.exited).toBe(0);
		const out = doctor.output();
		for (const check of ["config", "identity", "edge", "accepted", "backend", "gpu", "power"]) {
			expect(out).toMatch(new RegExp(`^ok +${check} `, "m"));
		}
		expect(out).toMatch(/^ok +power +wind, 11 gCO2\/kWh \(lifecycle default\)$/m);
		expect(out).toContain(`the edge accepts ${FAKE_NODE_ID}`);
	});

	it("doctor names what is wrong and how to fix it, and exits 1", async () => {
		const edge = await startEdge();
		const state = stateDir();
		const doctor = agent([
			"doctor",
			"--state-dir",
			state,
			"--edge",
			"http://127.0.0.1:9",
			"--backend-url",
			"http://127.0.0.1:9",
			"--nvidia-smi",
			"/nonexistent/nvidia-smi",
			"--power-source",
			"battery",
			"--power-state-file",
			"/nonexistent/soc.json",
		]);
		expect(await doctor.exited).toBe(1);
		const out = doctor.output();
		expect(out).toMatch(/^fail +identity .*no identity/m);
		expect(out).toContain("fix: enroll first: arcnet-agent enroll");
		expect(out).toMatch(/^fail +edge +http:\/\/127\.0\.0\.1:9/m);
		expect(out).toContain("fix: check the URL");
		expect(out).toMatch(/^skip +accepted/m);
		expect(out).toMatch(/^fail +backend .*backend unreachable/m);
		expect(out).toContain("fix: start the inference server");
		expect(out).toMatch(/^warn +gpu .*not found on PATH; telemetry will be simulated/m);
		expect(out).toContain("--gpu simulated silences this");
		expect(out).toMatch(/^warn +power +battery, no intensity declared.*ENOENT/m);
		expect(out).toContain(
			'fix: make --power-state-command print, or --power-state-file hold, JSON such as {"stateOfChargePct":80}',
		);
		void edge;
	});

	it("doctor reports a refused identity and a bad config field with their fixes", async () => {
		const edge = await startEdge();
		const state = stateDir();
		expect(
			await agent(["enroll", "--edge", edge.url, "--token", "enroll-token-0123456789", "--state-dir", state]).exited,
		).toBe(0);
		edge.state.publicJwk = generateKeyPair().publicJwk;
		const refused = agent(["doctor", "--state-dir", state, "--backend", "simulated", "--gpu", "simulated"]);
		expect(await refused.exited).toBe(1);
		expect(refused.output()).toMatch(/^fail +accepted .*401/m);
		expect(refused.output()).toContain("check the host clock");
		const bad = agent(["doctor", "--state-dir", state, "--slots", "0"]);
		expect(await bad.exited).toBe(1);
		expect(bad.output()).toMatch(/^fail +config +slots: expected an integer from 1 to 1024, got "0"/m);
		expect(bad.output()).toContain("fix: correct the named field");
	});

	it("status --once renders the running agent's GPUs, jobs and connection", async () => {
		const edge = await startEdge(undefined, 0, true);
		const state = stateDir();
		expect(
			await agent(["enroll", "--edge", edge.url, "--token", "enroll-token-0123456789", "--state-dir", state]).exited,
		).toBe(0);
		const missing = agent(["status", "--once", "--state-dir", stateDir()]);
		expect(await missing.exited).toBe(1);
		expect(missing.output()).toContain("is the agent running");
		const j = fakeJob(7);
		edge.state.queue.push(j);
		const run = agent([
			"run",
			"--state-dir",
			state,
			"--backend",
			"simulated",
			"--models",
			"sim-1",
			"--sim-tokens-per-second",
			"5",
			"--gpu",
			"simulated",
			"--telemetry-interval-ms",
			"1000",
			"--poll-wait-ms",
			"300",
		]);
		await waitFor("telemetry with the job", () => edge.state.telemetry.some((t) => t.running.length === 1));
		await waitFor("status file", () => {
			try {
				return statSync(join(state, "status.json")).size > 0;
			} catch {
				return false;
			}
		});
		// The status file is written after each tick; give the tick that saw the job time to land.
		await new Promise((r) => setTimeout(r, 1200));
		const status = agent(["status", "--once", "--state-dir", state]);
		expect(await status.exited).toBe(0);
		const view = status.output();
		expect(view).toContain(`node ${FAKE_NODE_ID}  zone eu-stockholm`);
		expect(view).toContain(`${edge.url}  connected via websocket`);
		expect(view).toContain("GPUs (simulated)");
		expect(view).toMatch(/ArcNet Simulated GPU 24GB +\d+%/);
		expect(view).toContain(j.jobId);
		expect(view).toMatch(/jobs 1\/4/);
		expect(view).not.toContain("\u001b[");
		expect(statSync(join(state, "status.json")).mode & 0o777).toBe(0o600);
		run.kill("SIGTERM");
		run.kill("SIGTERM");
		await run.exited;
	});

	it("rotate-key replaces the key on the edge and in identity.json (0600); the old key is refused", async () => {
		const edge = await startEdge();
		const state = stateDir();
		expect(
			await agent(["enroll", "--edge", edge.url, "--token", "enroll-token-0123456789", "--state-dir", state]).exited,
		).toBe(0);
		const before = loadIdentity(state);
		const rotate = agent(["rotate-key", "--state-dir", state]);
		expect(await rotate.exited).toBe(0);
		expect(rotate.output()).toContain("key rotated");
		const after = loadIdentity(state);
		expect(after.publicJwk).not.toEqual(before.publicJwk);
		expect(after.publicJwk).toEqual(edge.state.publicJwk);
		expect(after.nodeId).toBe(before.nodeId);
		expect(after.keyRotatedAt).toBeDefined();
		expect(statSync(join(state, "identity.json")).mode & 0o777).toBe(0o600);
		const oldClient = new EdgeClient({ edgeUrl: edge.url, tokens: createTokenSource(before) });
		await expect(oldClient.whoami()).rejects.toMatchObject({ status: 401 });
		const newClient = new EdgeClient({ edgeUrl: edge.url, tokens: createTokenSource(after) });
		await expect(newClient.whoami()).resolves.toMatchObject({ nodeId: FAKE_NODE_ID });
	});

	it("stops with exit 78 and a clear message when the edge says the node is revoked", async () => {
		const edge = await startEdge();
		const state = stateDir();
		expect(
			await agent(["enroll", "--edge", edge.url, "--token", "enroll-token-0123456789", "--state-dir", state]).exited,
		).toBe(0);
		edge.state.revoked = true;
		const run = agent(["run", "--state-dir", state, "--backend", "simulated", "--gpu", "simulated"]);
		expect(await run.exited).toBe(78);
		expect(run.output()).toContain("revoked by an operator");
		const rotate = agent(["rotate-key", "--state-dir", state]);
		expect(await rotate.exited).toBe(78);
	});
});
