/**
 * `npm run bench`: what the edge adds to an inference request. On loopback it
 * starts a fake OpenAI server with no token delay and the real Worker four
 * times, each with one real agent (openai backend): under workerd on a socket
 * of its own (Miniflare's direct socket: the primary figure, nothing in front
 * of the Worker, as in production), the same with its state on tmpfs (what
 * flushing every commit to disk costs here), under workerd behind Miniflare's entry
 * worker (a JavaScript proxy of local dev), and under `wrangler dev` (which
 * adds its own dev proxy as well). One edge at a time, it sends the same requests,
 * interleaved, through that edge and straight to the fake server (then stops the
 * edge before the next starts), and reports p50/p95/p99 of each
 * path, what each edge adds, streaming time to first byte, the time from
 * submitting a job to the agent receiving it (agent log), and the zone-side
 * phases from D1. Each phase also sends the same requests through a minimal
 * reverse proxy in Node (bench/node-proxy.ts) in front of the same fake
 * server: the floor of any gateway on this machine, reported beside the edge.
 * Target: at most 5 ms added at p50 (workerd direct).
 * Writes bench/results/edge-latency.json. Stops by itself (10 minute cap).
 *
 * Options: --requests N (default 200), --stream-requests N (default 50), --warmup N (default 20),
 * --skip-tmpfs, --skip-entry-worker, --skip-wrangler-dev (leave out those edges).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { ensureAgentBundle } from "../scripts/agent-bundle.js";
import { intFlag, parseFlagsOrExit } from "../scripts/cli-flags.js";
import { startFakeOpenAI } from "../test/support/fake-openai-server.js";
import { REPO_ROOT } from "../test/support/local-edge.js";
import { type EdgeKind, type EdgeUnderTest, hasTmpfs, startEdgeUnderTest } from "./edges-under-test.js";
import { jobPhases } from "./job-phases.js";
import { type Timed, timedPost } from "./measure.js";
import { type NodeProxy, startNodeProxy } from "./node-proxy.js";
import { cpuMs } from "./process-cpu.js";
import { type CpuPerRequest, type EdgeFigures, type PathFigures, renderTable } from "./report.js";
import { difference, summarize } from "./stats.js";

/** Added latency at p50 the edge must stay within, in ms. */
const TARGET_ADDED_P50_MS = 5;
const MODEL = "llama-3.1-8b-instruct";
const ZONE = "eu-frankfurt";
const HARD_LIMIT_MS = 10 * 60_000;

const count = (flag: string, max: number) => intFlag(flag, 1, max);
const argsSchema = z.object({
	requests: count("requests", 10_000),
	streamRequests: count("stream-requests", 10_000),
	warmup: count("warmup", 1_000),
	skipWranglerDev: z.boolean(),
	skipEntryWorker: z.boolean(),
	skipTmpfs: z.boolean(),
});
const { values } = parseArgs({
	options: {
		requests: { type: "string", default: "200" },
		"stream-requests": { type: "string", default: "50" },
		warmup: { type: "string", default: "20" },
		"skip-wrangler-dev": { type: "boolean", default: false },
		"skip-entry-worker": { type: "boolean", default: false },
		"skip-tmpfs": { type: "boolean", default: false },
	},
});
const args = parseFlagsOrExit(argsSchema, {
	requests: values.requests,
	streamRequests: values["stream-requests"],
	warmup: values.warmup,
	skipWranglerDev: values["skip-wrangler-dev"],
	skipEntryWorker: values["skip-entry-worker"],
	skipTmpfs: values["skip-tmpfs"],
});

const cleanups: (() => Promise<unknown>)[] = [];
async function cleanup(): Promise<void> {
	for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
	cleanups.length = 0;
}
setTimeout(() => {
	console.error(`bench: still running after ${HARD_LIMIT_MS / 60_000} minutes; stopping`);
	cleanup().finally(() => process.exit(1));
}, HARD_LIMIT_MS).unref();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.once(signal, () => {
		console.error(`bench: ${signal}; stopping`);
		cleanup().finally(() => process.exit(130));
	});
}

/** One path: where to send, with which headers, and its samples. */
interface Path {
	url: string;
	headers: Record<string, string>;
	runs: Timed[];
	streams: Timed[];
	/** Requests that failed (e.g. wrangler dev reloading the Worker when a source file changes). */
	failures: string[];
	edge?: EdgeUnderTest;
}

/** Most failed requests tolerated per path before the run is abandoned as unrepresentative. */
const MAX_FAILURES_PER_PATH = 10;

/** Sends one request on `p`; a failure is recorded and skipped so that one reload does not void the run. */
async function sample(p: Path, i: number, stream: boolean): Promise<Timed | undefined> {
	try {
		return await timedPost(p.url, p.headers, body(i, stream));
	} catch (err) {
		p.failures.push(err instanceof Error ? err.message : String(err));
		if (p.failures.length > MAX_FAILURES_PER_PATH)
			throw new Error(
				`${p.failures.length} requests on the ${p.edge?.kind ?? "direct"} path failed; last: ${p.failures.at(-1)}`,
			);
		return undefined;
	}
}

const body = (i: number, stream: boolean) => ({
	model: MODEL,
	messages: [{ role: "user", content: `benchmark request number ${i} with a few words of prompt` }],
	stream,
});

async function main(): Promise<void> {
	await ensureAgentBundle();
	const workDir = mkdtempSync(join(tmpdir(), "arcnet-bench-"));
	cleanups.push(async () => rmSync(workDir, { recursive: true, force: true }));
	const fake = await startFakeOpenAI({ models: [MODEL], tokenDelayMs: 0 });
	cleanups.push(() => fake.close());
	const proxy = await startNodeProxy(fake.url);
	cleanups.push(() => proxy.stop());
	const kinds: EdgeKind[] = [
		"workerd",
		...(args.skipTmpfs || !hasTmpfs() ? [] : (["workerd-tmpfs"] as const)),
		...(args.skipEntryWorker ? [] : (["workerd-entry"] as const)),
		...(args.skipWranglerDev ? [] : (["wrangler-dev"] as const)),
	];
	// One edge at a time, each interleaved with the direct path only: an edge never shares the two cores
	// with another edge's processes, and each is compared with the baseline measured alongside it.
	const edges: EdgeFigures[] = [];
	for (const kind of kinds) edges.push(await measureEdge(kind, workDir, fake.url, proxy));
	for (const line of renderTable(edges, TARGET_ADDED_P50_MS)) console.log(line);

	const primary = edges[0];
	const result = {
		ranAt: new Date().toISOString(),
		machine: {
			cpu: cpus()[0]?.model ?? "unknown",
			cores: cpus().length,
			node: process.version,
			platform: process.platform,
		},
		setup: { model: MODEL, zone: ZONE, agentsPerEdge: 1, backend: "fake OpenAI server, 0 ms per token", ...args },
		edges,
		sources: {
			submitToReceipt: "client wall clock before fetch() vs the agent's `job started` log stamp (ms, truncated)",
			phases: "D1 jobs: received_at (Worker), leased_at, first_token_at, finished_at (GeozoneDO), whole ms",
		},
		target: {
			addedP50Ms: TARGET_ADDED_P50_MS,
			measuredOn: primary?.kind ?? null,
			met: primary ? primary.addedTotal.p50 <= TARGET_ADDED_P50_MS : false,
		},
	};
	const outDir = join(REPO_ROOT, "bench", "results");
	mkdirSync(outDir, { recursive: true });
	writeFileSync(join(outDir, "edge-latency.json"), `${JSON.stringify(result, null, 2)}\n`);
	console.log(`wrote ${join("bench", "results", "edge-latency.json")}`);
}

/** Starts the edge of `kind` with its agent, measures it against the direct path, and stops it. */
async function measureEdge(
	kind: EdgeKind,
	workDir: string,
	backendUrl: string,
	proxy: NodeProxy,
): Promise<EdgeFigures> {
	console.log(`starting the edge (${kind}) and its agent`);
	const phaseCleanups: (() => Promise<unknown>)[] = [];
	const stopEdge = async () => {
		for (const fn of phaseCleanups.reverse()) await fn().catch(() => undefined);
		phaseCleanups.length = 0;
	};
	cleanups.push(stopEdge);
	const edge = await startEdgeUnderTest(kind, {
		workDir,
		zoneId: ZONE,
		model: MODEL,
		backendUrl,
		cleanups: phaseCleanups,
	});
	const headers = { authorization: `Bearer ${edge.endpoint.devApiKey}` };
	const direct: Path = { url: `${backendUrl}/v1/chat/completions`, headers: {}, runs: [], streams: [], failures: [] };
	const through: Path = {
		url: `${edge.endpoint.url}/v1/chat/completions`,
		headers,
		runs: [],
		streams: [],
		failures: [],
		edge,
	};
	const viaProxy: Path = { url: `${proxy.url}/v1/chat/completions`, headers: {}, runs: [], streams: [], failures: [] };
	const paths = [through, direct, viaProxy];

	console.log(`  warming up (${args.warmup} requests per path)`);
	for (let i = 0; i < args.warmup; i++) for (const p of paths) await sample(p, i, false);
	for (const p of paths) p.failures.length = 0;
	// Interleave the two paths so drift (GC, other load on the machine) hits both alike.
	console.log(`  measuring ${args.requests} sequential non-streaming requests per path`);
	const cpuBefore = cpuReading(edge, proxy);
	for (let i = 0; i < args.requests; i++) {
		for (const p of paths) {
			const t = await sample(p, i, false);
			if (t) p.runs.push(t);
		}
	}
	const cpuPerRequest = cpuPerRequestSince(cpuBefore, cpuReading(edge, proxy), through.runs.length);
	console.log(`  measuring ${args.streamRequests} sequential streaming requests per path`);
	for (let i = 0; i < args.streamRequests; i++) {
		for (const p of paths) {
			const t = await sample(p, i, true);
			if (t) p.streams.push(t);
		}
	}
	for (const p of paths) {
		if (p.failures.length > 0)
			console.log(`  ${p.url}: ${p.failures.length} failed requests skipped: ${p.failures[0]}`);
	}
	const jobIds = through.runs.flatMap((r) => (r.jobId ? [r.jobId] : []));
	console.log(`  reading the zone-side timings of ${jobIds.length} jobs from D1`);
	const baseline = figures("direct to backend (baseline, same phase)", direct);
	const f = figures(edge.label, through);
	const floor = figures("minimal Node reverse proxy (node:http), same phase", viaProxy);
	const result: EdgeFigures = {
		...f,
		kind,
		direct: baseline,
		addedTotal: difference(f.total, baseline.total),
		addedFirstByte: difference(f.firstByte, baseline.firstByte),
		proxy: {
			...floor,
			addedTotal: difference(floor.total, baseline.total),
			addedFirstByte: difference(floor.firstByte, baseline.firstByte),
		},
		submitToReceipt: edge.receipts.summarize(through.runs),
		inAgent: edge.receipts.inAgent(through.runs),
		phases: await jobPhases(edge.query, jobIds),
		cpuPerRequest,
		failedRequests: { edge: through.failures, direct: direct.failures, proxy: viaProxy.failures },
	};
	await stopEdge();
	return result;
}

function figures(label: string, p: Path): PathFigures {
	return {
		label,
		total: summarize(p.runs.map((r) => r.totalMs)),
		firstByte: summarize(p.streams.map((r) => r.firstByteMs)),
	};
}

type CpuReading = Record<keyof CpuPerRequest, number>;

/** CPU ms used so far by an edge's workerd and agent, and by the proxy. */
function cpuReading(edge: EdgeUnderTest, proxy: NodeProxy): CpuReading {
	return { workerdMs: cpuMs(edge.pids.workerd), agentMs: cpuMs([edge.pids.agent]), proxyMs: cpuMs([proxy.pid]) };
}

/** CPU per request over the window; each path carried `requests` requests. */
function cpuPerRequestSince(before: CpuReading, after: CpuReading, requests: number): CpuPerRequest {
	const per = (k: keyof CpuReading) =>
		requests === 0 ? Number.NaN : Math.round(((after[k] - before[k]) / requests) * 100) / 100;
	return { workerdMs: per("workerdMs"), agentMs: per("agentMs"), proxyMs: per("proxyMs") };
}

main()
	.then(cleanup)
	.then(() => process.exit(0))
	.catch(async (err: unknown) => {
		console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
		await cleanup();
		process.exit(1);
	});
