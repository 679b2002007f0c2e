/**
 * `npm run bench:agent`: the agent's footprint. Builds the bundle, enrolls it
 * against a fake edge on loopback, and samples the agent process from /proc
 * while it idles (long-polling an empty zone, telemetry every 5 s) and while
 * it serves 32 concurrent streams from the simulated backend. A bare
 * `node -e` idle process is measured over the same windows as the baseline.
 * Prints a table and writes bench/results/agent.json. Bounded: about 40 s,
 * and every child is killed at the end. `--soak-minutes N` lets the agent
 * idle N more minutes after the idle window, before it serves any job (60 for
 * the one-hour soak), and reports its RSS slope; `--soak-outages` stops the
 * edge for 30 s every 10 minutes of it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildAgent } from "../../node-agent/build.js";
import { FakeEdge, fakeJob } from "../../test/node/agent-fake-edge.js";
import { sampleWindow, type WindowStats } from "./proc-sample.js";
import { type SoakStats, soak } from "./soak.js";

const here = dirname(fileURLToPath(import.meta.url));
const WINDOW_S = Number(process.env.ARCNET_BENCH_WINDOW_S ?? 10);
const STREAMS = 32;
/** The Node binary that runs the agent and the baseline (default: this one). ARCNET_BENCH_NODE=/usr/bin/node measures Node 20. */
const NODE = process.env.ARCNET_BENCH_NODE || process.execPath;
/** A bundle built earlier (another commit's, to compare) to measure instead of building this tree's. */
const BUNDLE = process.env.ARCNET_BENCH_BUNDLE || undefined;
/** Extra Node flags for the agent only, e.g. "--max-semi-space-size=1" (space-separated). */
const AGENT_NODE_FLAGS = (process.env.ARCNET_BENCH_AGENT_FLAGS ?? "").split(" ").filter(Boolean);
/** Extra environment for the agent only, e.g. "MALLOC_ARENA_MAX=2" (space-separated NAME=value pairs). */
const AGENT_ENV = Object.fromEntries(
	(process.env.ARCNET_BENCH_AGENT_ENV ?? "")
		.split(" ")
		.filter((pair) => pair.includes("="))
		.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
);
const TARGET_IDLE_RSS_MB = 50;
const TARGET_IDLE_CPU_PCT = 0.2;
/** A soak whose RSS grows faster than this is not flat. */
const TARGET_SLOPE_MB_PER_HOUR = 1;

const { values: args } = parseArgs({
	args: process.argv.slice(2),
	options: { "soak-minutes": { type: "string" }, "soak-outages": { type: "boolean" } },
});
const SOAK_MINUTES = Number(args["soak-minutes"] ?? 0);
if (!Number.isFinite(SOAK_MINUTES) || SOAK_MINUTES < 0 || SOAK_MINUTES > 240) {
	throw new Error(`--soak-minutes: expected a number from 0 to 240, got ${JSON.stringify(args["soak-minutes"])}`);
}
/** Every this many soak minutes, the edge is down for OUTAGE_S. */
const OUTAGE_EVERY_MIN = 10;
const OUTAGE_S = 30;

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

/**
 * The fake edge as the agent meets the real one. With the channel, as agents
 * run by default (ADR 0010): the idle agent holds one WebSocket and pings it.
 * Polls are held 25 s. Idle HTTP connections are kept 400 s, as Cloudflare
 * keeps a client's (Node's server default, 5 s, would close the telemetry
 * connection between two ticks).
 */
async function startEdge(state?: FakeEdge["state"], port = 0): Promise<FakeEdge> {
	const edge = new FakeEdge(state, { channel: true });
	edge.server.keepAliveTimeout = 400_000;
	edge.maxHoldMs = 25_000;
	return edge.start(port);
}

async function main(): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), "arcnet-bench-agent-"));
	const bundle = BUNDLE ?? join(dir, "arcnet-agent.mjs");
	const bundleBytes = BUNDLE ? statSync(BUNDLE).size : await buildAgent(bundle);
	let edge = await startEdge();
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

		let soaked: SoakStats | undefined;
		if (SOAK_MINUTES > 0) {
			let outages = 0;
			const stats = await soak(pid(agent), {
				minutes: SOAK_MINUTES,
				log: (line) => process.stdout.write(`${line}\n`),
				onMinute: async (minute) => {
					if (!args["soak-outages"] || minute % OUTAGE_EVERY_MIN !== 0) return;
					const port = edge.port;
					await edge.stop();
					await new Promise((r) => setTimeout(r, OUTAGE_S * 1000));
					edge = await startEdge(edge.state, port);
					outages++;
				},
			});
			soaked = { ...stats, outages };
		}
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
			cpuMsPerJob: jobs > 0 ? ((busy.cpuPctOfCore / 100) * busy.seconds * 1000) / jobs : 0,
			soak: soaked,
		});
	} finally {
		for (const c of children) c.kill("SIGKILL");
		await edge.stop().catch(() => undefined);
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
	/** Agent CPU time per finished job while serving, ms. */
	cpuMsPerJob: number;
	soak: SoakStats | undefined;
}

function report(r: Results): void {
	const row = (name: string, a: WindowStats, b: WindowStats) =>
		`| ${name.padEnd(26)} | ${a.rssMeanMB.toFixed(1).padStart(8)} | ${a.rssMaxMB.toFixed(1).padStart(8)} | ${a.cpuPctOfCore.toFixed(2).padStart(8)} | ${b.rssMeanMB.toFixed(1).padStart(9)} | ${b.cpuPctOfCore.toFixed(2).padStart(8)} |`;
	const idleOk = r.idle.rssMaxMB <= TARGET_IDLE_RSS_MB && r.idle.cpuPctOfCore <= TARGET_IDLE_CPU_PCT;
	const lines = [
		`agent bundle: ${(r.bundleBytes / 1024).toFixed(1)} KiB, node ${NODE} ${AGENT_NODE_FLAGS.join(" ")}, windows of ${WINDOW_S} s`,
		"",
		"| phase                      | RSS MB   | max MB   | CPU %    | base RSS  | base CPU |",
		"| -------------------------- | -------- | -------- | -------- | --------- | -------- |",
		row("idle (long-polling)", r.idle, r.idleBase),
		row(`serving ${STREAMS} streams`, r.busy, r.busyBase),
		"",
		`serving: ${r.tokensPerS.toFixed(0)} tokens/s, ${r.jobsPerS.toFixed(1)} jobs/s delivered to the edge, ${r.cpuMsPerJob.toFixed(2)} ms of agent CPU per job`,
		`idle target (<= ${TARGET_IDLE_RSS_MB} MB RSS, <= ${TARGET_IDLE_CPU_PCT}% CPU): ${idleOk ? "met" : "NOT met"}`,
		...(r.soak
			? [
					`soak: ${r.soak.minutes} min idle${r.soak.outages ? ` with ${r.soak.outages} edge outages of ${OUTAGE_S} s` : ""}: RSS ${r.soak.startMB.toFixed(1)} -> ${r.soak.endMB.toFixed(1)} MB, slope ${r.soak.slopeMBPerHour.toFixed(2)} MB/h (flat: <= ${TARGET_SLOPE_MB_PER_HOUR}), CPU ${r.soak.cpuPctOfCore.toFixed(3)}% of a core`,
				]
			: []),
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
				bundle: BUNDLE ?? "built from this tree",
				agentNodeFlags: AGENT_NODE_FLAGS,
				windowSeconds: WINDOW_S,
				bundleBytes: r.bundleBytes,
				idle: r.idle,
				idleBaseline: r.idleBase,
				serving: {
					streams: STREAMS,
					...r.busy,
					tokensPerSecond: r.tokensPerS,
					jobsPerSecond: r.jobsPerS,
					cpuMsPerJob: r.cpuMsPerJob,
				},
				servingBaseline: r.busyBase,
				soak: r.soak ?? null,
				targets: {
					idleRssMB: TARGET_IDLE_RSS_MB,
					idleCpuPct: TARGET_IDLE_CPU_PCT,
					soakSlopeMBPerHour: TARGET_SLOPE_MB_PER_HOUR,
					met: idleOk && (r.soak === undefined || r.soak.slopeMBPerHour <= TARGET_SLOPE_MB_PER_HOUR),
				},
			},
			null,
			2,
		)}\n`,
	);
	process.stdout.write(`wrote ${out}\n`);
}

await main();
