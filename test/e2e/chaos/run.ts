/**
 * One whole chaos run: the Worker under Miniflare with short leases, four
 * agents in two zones (one behind a cuttable TCP proxy), a few hundred
 * seeded jobs of three kinds with bounded concurrency, and a schedule of
 * SIGKILLs, agent restarts, a link cut longer than a lease and a Worker
 * restart. When the clients are done and the zones have settled, the edge
 * stops and its persisted state is checked against what the clients saw.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { waitForModel } from "../../support/edge-client.js";
import { type MiniflareEdge, startMiniflareEdge } from "../../support/miniflare-edge.js";
import { waitFor } from "../../support/wait.js";
import type { ClientOutcome } from "./client-outcome.js";
import { edgeHasAsyncJobs, runClient } from "./clients.js";
import { type Fleet, startFleet } from "./fleet.js";
import { readPersistedState } from "./persisted-state.js";
import { formatReport } from "./report.js";
import { type ChaosEvent, type ChaosLogEntry, runPool, runSchedule } from "./schedule.js";
import { chaosSpans, type Verdict, verify } from "./verify.js";
import { planJobs, seededRandom } from "./workload.js";

/** Lease length for the run: short, so that lapsed leases happen within it. */
export const CHAOS_LEASE_MS = 3_000;
const MODEL = "llama-3.1-8b-instruct";
const ZONES = { "eu-stockholm": 2, "us-oregon": 2 } as const;
const PROXIED_AGENT = "chaos-us-oregon-2";
/** Most lines kept per agent and for the edge, for the post-mortem. */
const LOG_TAIL = 400;

/** Options of a run. */
export interface ChaosOptions {
	/** Client jobs; default 300 (CHAOS_JOBS). */
	jobs: number;
	/** Seed of the workload and of the choice of victims; default 5 (CHAOS_SEED). */
	seed: number;
	/** Client requests in flight at once; default 16. */
	concurrency: number;
	/** Receives progress lines. */
	log: (line: string) => void;
}

/** A finished run. */
export interface ChaosResult {
	verdict: Verdict;
	chaos: ChaosLogEntry[];
	outcomes: ClientOutcome[];
	/** The printable report. */
	report: string;
	/** Tails of the agents' and the edge's logs, for a failed run. */
	logTails: string;
}

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === "") return fallback;
	const n = Number(raw);
	if (!Number.isInteger(n) || n < min || n > max)
		throw new Error(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)} (string)`);
	return n;
}

/** Options from CHAOS_JOBS (1..5000, default 300), CHAOS_SEED (default 5), CHAOS_CONCURRENCY (1..64, default 16). */
export function chaosOptionsFromEnv(log: (line: string) => void): ChaosOptions {
	return {
		jobs: intFromEnv("CHAOS_JOBS", 300, 1, 5_000),
		seed: intFromEnv("CHAOS_SEED", 5, 0, 2 ** 31 - 1),
		concurrency: intFromEnv("CHAOS_CONCURRENCY", 16, 1, 64),
		log,
	};
}

function chaosEvents(
	edge: MiniflareEdge,
	fleet: Fleet,
	random: () => number,
	tally: { workerRestarts: number; linkCuts: number },
): ChaosEvent[] {
	const pick = <T>(items: readonly T[]): T => {
		const item = items[Math.floor(random() * items.length)];
		if (item === undefined) throw new Error("pick: no items");
		return item;
	};
	const direct = fleet.agents.map((a) => a.spec.name).filter((n) => n !== PROXIED_AGENT);
	const first = pick(direct);
	const eu = pick(direct.filter((n) => n.includes("eu-")));
	const us = pick(direct.filter((n) => n.includes("us-")));
	const kill = (names: string[]) => async () => {
		await Promise.all(names.map((n) => fleet.kill(n)));
		return `${names.length} agent(s) gone without a drain`;
	};
	const restart = (names: string[]) => async () => {
		await Promise.all(names.map((n) => fleet.restart(n)));
		return "same state directory, same node id";
	};
	const proxied = fleet.byName(PROXIED_AGENT);
	return [
		{ atFraction: 0.08, name: `SIGKILL ${first}`, run: kill([first]) },
		{ atFraction: 0.16, name: `restart ${first}`, run: restart([first]) },
		{
			atFraction: 0.24,
			name: `cut ${PROXIED_AGENT}'s link for ${CHAOS_LEASE_MS + 2_000} ms`,
			run: async () => {
				proxied.proxy?.blackhole();
				await sleep(CHAOS_LEASE_MS + 2_000);
				proxied.proxy?.restore();
				tally.linkCuts++;
				return "blackholed, then mended";
			},
		},
		{
			atFraction: 0.45,
			name: "restart the Worker",
			run: async () => {
				await edge.restart();
				tally.workerRestarts++;
				return `same persisted state, port ${edge.port}`;
			},
		},
		{ atFraction: 0.6, name: `SIGKILL ${eu} and ${us}`, run: kill([eu, us]) },
		{ atFraction: 0.72, name: `restart ${eu} and ${us}`, run: restart([eu, us]) },
	];
}

/** Waits until D1's job history stops changing for longer than a lease: the zones have nothing left to finish. */
export async function waitForQuiet(edge: MiniflareEdge): Promise<void> {
	let last = -1;
	let since = Date.now();
	await waitFor(
		"the zones to settle (D1 jobs unchanged for a lease and a second)",
		async () => {
			const rows = await edge.queryD1(
				"SELECT count(*) AS n, sum(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END) AS s FROM jobs",
			);
			const n = Number(rows[0]?.n) * 1_000_003 + Number(rows[0]?.s);
			if (n !== last) {
				last = n;
				since = Date.now();
				return undefined;
			}
			return Date.now() - since > CHAOS_LEASE_MS + 1_000 ? true : undefined;
		},
		{ timeoutMs: 30_000, intervalMs: 250 },
	);
}

/** Runs the chaos test once and returns its verdict and report; everything it started is stopped. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
	const started = Date.now();
	const workDir = await mkdtemp(join(tmpdir(), "arcnet-chaos-"));
	const persistDir = join(workDir, "state");
	const tails = new Map<string, string[]>();
	const keep = (name: string, line: string) => {
		const list = tails.get(name) ?? [];
		list.push(line);
		if (list.length > LOG_TAIL) list.shift();
		tails.set(name, list);
	};
	const logTails = () =>
		[...tails].map(([name, lines]) => `--- ${name} (last ${lines.length} lines)\n${lines.join("\n")}`).join("\n");
	let edge: MiniflareEdge | undefined;
	let fleet: Fleet | undefined;
	try {
		options.log("building the Worker bundle and starting it under Miniflare");
		edge = await startMiniflareEdge({
			persistDir,
			vars: { LEASE_MS: String(CHAOS_LEASE_MS), NODE_LIVE_MS: "4000", POLL_MAX_WAIT_MS: "5000" },
			onLine: (line) => keep("edge", line),
		});
		const asyncEnabled = await edgeHasAsyncJobs(edge);
		options.log(`edge on ${edge.url}; async jobs API ${asyncEnabled ? "present" : "absent"}; starting 4 agents`);
		fleet = await startFleet(
			edge,
			{
				zones: ZONES,
				model: MODEL,
				workDir,
				slots: 3,
				telemetryIntervalMs: 1_000,
				tokenDelayMs: 30,
				proxiedAgent: PROXIED_AGENT,
			},
			keep,
		);
		await waitForModel(edge, MODEL, 30_000);
		const random = seededRandom(options.seed);
		const plan = planJobs(options.jobs, MODEL, random, asyncEnabled);
		const tally = { workerRestarts: 0, linkCuts: 0 };
		const events = chaosEvents(edge, fleet, random, tally);
		let finished = 0;
		const workloadStarted = Date.now();
		const stop = new AbortController();
		const endpoint = edge;
		options.log(`running ${plan.length} jobs, ${options.concurrency} at once`);
		const schedule = runSchedule(
			events,
			{ total: plan.length, finished: () => finished, startedAt: workloadStarted },
			stop.signal,
		);
		const outcomes = await runPool(
			plan,
			options.concurrency,
			(job) => runClient(endpoint, job),
			() => {
				finished++;
				if (finished % 50 === 0) options.log(`${finished}/${plan.length} jobs done`);
			},
		);
		stop.abort();
		const chaos = await schedule;
		const workloadMs = Date.now() - workloadStarted;
		options.log("clients done; waiting for the zones to settle");
		await waitForQuiet(edge);
		const agents = fleet.agents;
		const facts = {
			jobs: plan.length,
			seed: options.seed,
			concurrency: options.concurrency,
			asyncEnabled,
			workloadMs,
			totalMs: 0,
			backendRequests: fleet.backendRequests(),
			kills: agents.reduce((n, a) => n + a.kills, 0),
			agentRestarts: agents.reduce((n, a) => n + a.restarts, 0),
			workerRestarts: tally.workerRestarts,
			linkCuts: tally.linkCuts,
		};
		await fleet.stop();
		fleet = undefined;
		await edge.stop();
		edge = undefined;
		const persisted = readPersistedState(persistDir);
		const verdict = verify(plan, outcomes, persisted, chaosSpans(chaos, workloadStarted));
		const skipped = events.length - chaos.length;
		if (skipped > 0) verdict.violations.push(`${skipped} chaos event(s) never ran: the workload ended first`);
		for (const e of chaos) if (e.error) verdict.violations.push(`chaos event "${e.name}" failed: ${e.error}`);
		if (persisted.zoneJobs.length === 0) verdict.violations.push(`no zone SQLite with jobs found under ${persistDir}`);
		facts.totalMs = Date.now() - started;
		return { verdict, chaos, outcomes, report: formatReport(facts, chaos, verdict), logTails: logTails() };
	} catch (err) {
		// A run that could not finish still owes its post-mortem.
		options.log(`run failed; log tails follow\n${logTails()}`);
		throw err;
	} finally {
		await fleet?.stop().catch(() => undefined);
		await edge?.stop().catch(() => undefined);
		if (process.env.CHAOS_KEEP_STATE) options.log(`state kept in ${workDir}`);
		else await rm(workDir, { recursive: true, force: true });
	}
}
