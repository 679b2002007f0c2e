/**
 * `npm run bench:agent`: the agent's footprint. Builds the bundle, enrolls it
 * against a fake edge on loopback, and samples the agent process from /proc
 * while it idles (long-polling an empty zone, telemetry every 5 s) and while
 * it serves 32 concurrent streams from the simulated backend. A bare
 * `node -e` idle process is measured over the same windows as the baseline.
 * Prints a table and writes bench/results/agent.json. Bounded: about 40 s,
 * and every child is killed at the end.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildAgent } from "../../node-agent/build.js";
import { FakeEdge, fakeJob } from "../../test/node/agent-fake-edge.js";
import { sampleWindow, type WindowStats } from "./proc-sample.js";

const here = dirname(fileURLToPath(import.meta.url));
const WINDOW_S = Number(process.env.ARCNET_BENCH_WINDOW_S ?? 10);
const STREAMS = 32;
/** The Node binary that runs the agent and the baseline (default: this one). ARCNET_BENCH_NODE=/usr/bin/node measures Node 20. */
const NODE = process.env.ARCNET_BENCH_NODE || process.execPath;
/** Extra Node flags for the agent only, e.g. "--max-semi-space-size=1" (space-separated). */
const AGENT_NODE_FLAGS = (process.env.ARCNET_BENCH_AGENT_FLAGS ?? "").split(" ").filter(Boolean);
/** Extra environment for the agent only, e.g. "MALLOC_ARENA_MAX=2" (space-separated NAME=value pairs). */
const AGENT_ENV = Object.fromEntries(
	(process.env.ARCNET_BENCH_AGENT_ENV ?? "")
		.split(" ")
		.filter((pair) => pair.includes("="))
		.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
);
const TARGET_IDLE_RSS_MB = 60;
const TARGET_IDLE_CPU_PCT = 1;

function spawnQuiet(args: string[], env: Record<string, string> = {}): ChildProcess {
	const child = spawn(NODE, args, {
		stdio: ["ignore", "ignore", "pipe"],
		env: { PATH: process.env.PATH ?? "", ...env },
	});
	let err = "";
	child.stderr?.on("data", (d) => {
		err = `${err}${d}`.slice(-2000);
	});
	child.on("exit", (code) => {
		if (code !== 0 && code !== null) process.stderr.write(`child ${args[1] ?? args[0]} exited ${code}: ${err}\n`);
	});
	return child;
}

async function main(): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), "arcnet-bench-agent-"));
	const bundle = join(dir, "arcnet-agent.mjs");
	const bundleBytes = await buildAgent(bundle);
	// With the channel, as agents run by default (ADR 0010): the idle agent holds one WebSocket and pings it.
	const edge = await new FakeEdge(undefined, { channel: true }).start();
	edge.maxHoldMs = 25_000;
	const state = join(dir, "state");
	const enroll = spawnQuiet([
		bundle,
		"enroll",
		"--edge",
		edge.url,
		"--token",
		"bench-token-0123456789",
		"--state-dir",
		state,
	]);
	const enrolled = await new Promise<number | null>((r) => enroll.on("exit", r));
	if (enrolled !== 0) throw new Error(`enroll exited ${enrolled}`);

	const agent = spawnQuiet(
		[
			...AGENT_NODE_FLAGS,
			bundle,
			"run",
			"--state-dir",
			state,
			"--backend",
			"simulated",
			"--models",
			"sim-1",
			"--sim-tokens-per-second",
			"50",
			"--gpu",
			"simulated",
			"--slots",
			String(STREAMS),
			"--log-level",
			"warn",
		],
		AGENT_ENV,
	);
	const baseline = spawnQuiet(["-e", "setInterval(() => {}, 1000)"]);
	const children = [agent, baseline];
	try {
		await new Promise((r) => setTimeout(r, 3000));
		const pid = (c: ChildProcess) => c.pid ?? 0;
		const [idle, idleBase] = await Promise.all([
			sampleWindow(pid(agent), WINDOW_S),
			sampleWindow(pid(baseline), WINDOW_S),
		]);

		let next = 1;
		// The agent leases only as many jobs as it has free slots, so a queue kept full keeps all 32 slots busy.
		const refill = () => {
			if (edge.state.queue.length >= STREAMS) return;
			while (edge.state.queue.length < STREAMS) edge.state.queue.push(fakeJob(next++));
			edge.wake();
		};
		refill();
		const timer = setInterval(refill, 50);
		await new Promise((r) => setTimeout(r, 2000));
		const tokensBefore = deltas(edge);
		const doneBefore = finished(edge);
		const [busy, busyBase] = await Promise.all([
			sampleWindow(pid(agent), WINDOW_S),
			sampleWindow(pid(baseline), WINDOW_S),
		]);
		const tokens = deltas(edge) - tokensBefore;
		const jobs = finished(edge) - doneBefore;
		clearInterval(timer);
		report({
			bundleBytes,
			idle,
			idleBase,
			busy,
			busyBase,
			tokensPerS: tokens / busy.seconds,
			jobsPerS: jobs / busy.seconds,
		});
	} finally {
		for (const c of children) c.kill("SIGKILL");
		await edge.stop();
	}
}

function deltas(edge: FakeEdge): number {
	let n = 0;
	for (const list of edge.state.events.values()) for (const e of list) if (e.type === "delta") n++;
	return n;
}

function finished(edge: FakeEdge): number {
	return [...edge.state.events.values()].filter((l) => l.at(-1)?.type === "done").length;
}

interface Results {
	bundleBytes: number;
	idle: WindowStats;
	idleBase: WindowStats;
	busy: WindowStats;
	busyBase: WindowStats;
	tokensPerS: number;
	jobsPerS: number;
}

function report(r: Results): void {
	const row = (name: string, a: WindowStats, b: WindowStats) =>
		`| ${name.padEnd(26)} | ${a.rssMeanMB.toFixed(1).padStart(8)} | ${a.rssMaxMB.toFixed(1).padStart(8)} | ${a.cpuPctOfCore.toFixed(2).padStart(8)} | ${b.rssMeanMB.toFixed(1).padStart(9)} | ${b.cpuPctOfCore.toFixed(2).padStart(8)} |`;
	const idleOk = r.idle.rssMaxMB <= TARGET_IDLE_RSS_MB && r.idle.cpuPctOfCore < TARGET_IDLE_CPU_PCT;
	const lines = [
		`agent bundle: ${(r.bundleBytes / 1024).toFixed(1)} KiB, node ${NODE} ${AGENT_NODE_FLAGS.join(" ")}, windows of ${WINDOW_S} s`,
		"",
		"| phase                      | RSS MB   | max MB   | CPU %    | base RSS  | base CPU |",
		"| -------------------------- | -------- | -------- | -------- | --------- | -------- |",
		row("idle (long-polling)", r.idle, r.idleBase),
		row(`serving ${STREAMS} streams`, r.busy, r.busyBase),
		"",
		`serving: ${r.tokensPerS.toFixed(0)} tokens/s, ${r.jobsPerS.toFixed(1)} jobs/s delivered to the edge`,
		`idle target (<= ${TARGET_IDLE_RSS_MB} MB RSS, < ${TARGET_IDLE_CPU_PCT}% CPU): ${idleOk ? "met" : "NOT met"}`,
		"CPU % is the share of one core; base = a bare `node -e` idle process over the same window.",
	];
	process.stdout.write(`${lines.join("\n")}\n`);
	const out = join(here, "..", "results", "agent.json");
	mkdirSync(dirname(out), { recursive: true });
	writeFileSync(
		out,
		`${JSON.stringify(
			{
				measuredAt: new Date().toISOString(),
				node: NODE,
				agentNodeFlags: AGENT_NODE_FLAGS,
				windowSeconds: WINDOW_S,
				bundleBytes: r.bundleBytes,
				idle: r.idle,
				idleBaseline: r.idleBase,
				serving: { streams: STREAMS, ...r.busy, tokensPerSecond: r.tokensPerS, jobsPerSecond: r.jobsPerS },
				servingBaseline: r.busyBase,
				targets: { idleRssMB: TARGET_IDLE_RSS_MB, idleCpuPct: TARGET_IDLE_CPU_PCT, met: idleOk },
			},
			null,
			2,
		)}\n`,
	);
	process.stdout.write(`wrote ${out}\n`);
}

await main();
