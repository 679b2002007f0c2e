/**
 * The zone-loss scenario: the only agent of eu-stockholm is SIGKILLed while
 * jobs queue there (slow slots, a burst of clients all at once), and
 * us-oregon stays up. Every request must end within a bound: answered by
 * us-oregon (the zone hands its queued jobs back and the Worker, or for async
 * jobs the zone, moves them on) or with a clean error (a job that had
 * already streamed output ends lease_expired). The persisted state is then
 * checked as in the main chaos run: nothing lost, nothing delivered twice.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AgentSpec, enrollAgent, runAgent } from "../../support/agent-process.js";
import { waitForModel } from "../../support/edge-client.js";
import { type FakeOpenAIServer, startFakeOpenAI } from "../../support/fake-openai-server.js";
import type { ManagedProcess } from "../../support/managed-process.js";
import { type MiniflareEdge, startMiniflareEdge } from "../../support/miniflare-edge.js";
import { waitFor } from "../../support/wait.js";
import type { ClientOutcome } from "./client-outcome.js";
import { edgeHasAsyncJobs, runClient } from "./clients.js";
import { readPersistedState } from "./persisted-state.js";
import { CHAOS_LEASE_MS, waitForQuiet } from "./run.js";
import { type Verdict, verify } from "./verify.js";
import { planJobs, seededRandom } from "./workload.js";

const MODEL = "llama-3.1-8b-instruct";
/**
 * The zone the router prefers: near the harness's default client location, clean power, and three
 * slots against the survivor's one (the scarcity price weighs a zone's free share of its slots).
 */
const DOOMED_ZONE = "eu-stockholm";
const SURVIVING_ZONE = "us-oregon";
const NODE_LIVE_MS = 4_000;
const HANDBACK_MS = 2_000;
/**
 * Longest a request may take after the kill: the dead node is marked gone after NODE_LIVE_MS, its
 * queued jobs are handed back HANDBACK_MS later (its leases lapse after CHAOS_LEASE_MS), and the
 * surviving zone then serves them; 20 s covers that work on a loaded 2-core machine.
 */
export const ZONE_LOSS_BOUND_MS = NODE_LIVE_MS + HANDBACK_MS + CHAOS_LEASE_MS + 20_000;

/** Options of the scenario. */
export interface ZoneLossOptions {
	/** Client requests, all sent at once. */
	jobs: number;
	seed: number;
	log: (line: string) => void;
}

/** What the scenario saw. */
export interface ZoneLossResult {
	verdict: Verdict;
	outcomes: ClientOutcome[];
	/** Jobs queued in the doomed zone when its agent was killed (D1 zone_status). */
	queuedAtKill: number;
	/** Zone jobs ended `no_capacity` (handed back) and requests that ran in a second zone. */
	handedBack: number;
	movedToAnotherZone: number;
	/** Requests that did not end within ZONE_LOSS_BOUND_MS of the kill. */
	hung: ClientOutcome[];
	report: string;
}

interface Started {
	backend: FakeOpenAIServer;
	process: ManagedProcess;
}

async function startAgent(
	edge: MiniflareEdge,
	workDir: string,
	zoneId: string,
	slots: number,
	tokenDelayMs: number,
): Promise<Started> {
	const backend = await startFakeOpenAI({ models: [MODEL], tokenDelayMs });
	const spec: AgentSpec = {
		name: `zone-loss-${zoneId}`,
		zoneId,
		stateDir: join(workDir, "agents", zoneId),
		backend: { kind: "openai", url: backend.url },
		slots,
		telemetryIntervalMs: 1_000,
	};
	await enrollAgent(edge, spec);
	return { backend, process: runAgent(edge, spec) };
}

async function queueDepth(edge: MiniflareEdge, zoneId: string): Promise<number> {
	const rows = await edge.queryD1(`SELECT queue_depth, live_nodes FROM zone_status WHERE zone_id = '${zoneId}'`);
	return Number(rows[0]?.queue_depth ?? 0);
}

/** Runs the scenario once; everything it started is stopped. */
export async function runZoneLoss(options: ZoneLossOptions): Promise<ZoneLossResult> {
	const workDir = await mkdtemp(join(tmpdir(), "arcnet-zone-loss-"));
	const persistDir = join(workDir, "state");
	const agents: Started[] = [];
	let edge: MiniflareEdge | undefined;
	try {
		edge = await startMiniflareEdge({
			persistDir,
			vars: {
				LEASE_MS: String(CHAOS_LEASE_MS),
				NODE_LIVE_MS: String(NODE_LIVE_MS),
				POLL_MAX_WAIT_MS: "5000",
				ZONE_HANDBACK_MS: String(HANDBACK_MS),
			},
		});
		const asyncEnabled = await edgeHasAsyncJobs(edge);
		// Slow slots in the doomed zone, so that a burst queues behind them; the survivor is quick.
		const doomed = await startAgent(edge, workDir, DOOMED_ZONE, 3, 300);
		agents.push(doomed, await startAgent(edge, workDir, SURVIVING_ZONE, 1, 30));
		await waitForModel(edge, MODEL, 30_000);
		const live = edge;
		await waitFor(
			"both zones to publish a live node",
			async () => {
				const rows = await live.queryD1("SELECT count(*) AS n FROM zone_status WHERE live_nodes > 0");
				return Number(rows[0]?.n) >= 2 ? true : undefined;
			},
			{ timeoutMs: 30_000, intervalMs: 250 },
		);
		const plan = planJobs(options.jobs, MODEL, seededRandom(options.seed), asyncEnabled);
		options.log(`sending ${plan.length} requests at once; ${DOOMED_ZONE} has three slow slots`);
		const clients = Promise.all(plan.map((job) => runClient(live, job)));
		const queuedAtKill = await waitFor(
			`jobs to queue in ${DOOMED_ZONE}`,
			async () => {
				const depth = await queueDepth(live, DOOMED_ZONE);
				return depth > 0 ? depth : undefined;
			},
			{ timeoutMs: 20_000, intervalMs: 100 },
		);
		const killedAt = Date.now();
		await doomed.process.kill();
		options.log(`SIGKILLed the only agent of ${DOOMED_ZONE} with ${queuedAtKill} job(s) queued there`);
		const outcomes = await clients;
		const hung = outcomes.filter(
			(o) =>
				o.endedAt - killedAt > ZONE_LOSS_BOUND_MS ||
				o.errorCode === "TimeoutError" ||
				o.errorCode === "client_poll_deadline",
		);
		await waitForQuiet(live);
		await Promise.all(agents.map((a) => a.process.stop(10_000)));
		await edge.stop();
		edge = undefined;
		const persisted = readPersistedState(persistDir);
		const verdict = verify(plan, outcomes, persisted, [
			{ name: `SIGKILL the only agent of ${DOOMED_ZONE}`, from: killedAt, to: killedAt },
		]);
		const tags = new Map<string, number>();
		for (const job of persisted.zoneJobs) {
			const tag = job.prompt.trimStart().split(/\s+/, 1)[0] ?? "";
			tags.set(tag, (tags.get(tag) ?? 0) + 1);
		}
		const handedBack = persisted.zoneJobs.filter((j) => j.errorCode === "no_capacity").length;
		const movedToAnotherZone = [...tags.values()].filter((n) => n > 1).length;
		const lost = verdict.violations.filter((v) => /gone from its zone|not terminal|never reached|404/.test(v)).length;
		const duplicated = verdict.violations.filter((v) => /twice|is not the job/.test(v)).length;
		const report = [
			`zone loss: ${plan.length} requests, seed ${options.seed}, ${queuedAtKill} queued in ${DOOMED_ZONE} at the kill`,
			`handed back (no_capacity) ${handedBack}, requests moved to another zone ${movedToAnotherZone}`,
			`client outcomes: ${summarize(outcomes)}`,
			`lost ${lost}, duplicated ${duplicated}, hung ${hung.length} (bound ${ZONE_LOSS_BOUND_MS} ms after the kill)`,
			...verdict.violations.map((v) => `  - ${v}`),
		].join("\n");
		return { verdict, outcomes, queuedAtKill, handedBack, movedToAnotherZone, hung, report };
	} finally {
		await Promise.all(agents.map((a) => a.process.stop(10_000).catch(() => undefined)));
		await Promise.all(agents.map((a) => a.backend.close().catch(() => undefined)));
		await edge?.stop().catch(() => undefined);
		await rm(workDir, { recursive: true, force: true });
	}
}

function summarize(outcomes: readonly ClientOutcome[]): string {
	const counts = new Map<string, number>();
	for (const o of outcomes) {
		const key = o.result === "succeeded" ? "succeeded" : `${o.result}: ${o.errorCode ?? "no code"}`;
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}
	return [...counts]
		.sort()
		.map(([k, n]) => `${k} ${n}`)
		.join(", ");
}
