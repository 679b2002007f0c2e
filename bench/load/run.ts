/**
 * `npm run bench:load`: the edge under open-loop load. The production bundle
 * runs under workerd (Miniflare, direct socket, as `npm run bench`), with N
 * real agents (openai backend) on the fake OpenAI server in load mode: each
 * job's answer is a drawn number of tokens (log-normal, median 250) streamed
 * at a fixed rate. Jobs arrive as a Poisson process, one step per rate, each
 * a fixed window then a drain; the run stops after the first step where jobs
 * fail or pile up in the queue (p99 wait over 5 s), or when its time budget would
 * be exceeded. Writes
 * bench/results/load.json.
 *
 * Options: --agents N (2), --slots N per agent (16), --rates list of jobs/s (0.5,1,2,4,8),
 * --step-seconds N (15), --median-tokens N (250), --token-sigma X (0.6),
 * --tokens-per-second N per stream (100), --seed N (1), --max-seconds N (170),
 * --tmpfs (the edge's state in /dev/shm: what the disk's flush of every commit costs).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { ensureAgentBundle } from "../../scripts/agent-bundle.js";
import { intFlag, parseFlagsOrExit } from "../../scripts/cli-flags.js";
import { spawnAgent } from "../../test/support/agent-process.js";
import { waitForModel } from "../../test/support/edge-client.js";
import { startFakeOpenAI } from "../../test/support/fake-openai-server.js";
import { REPO_ROOT } from "../../test/support/local-edge.js";
import { startMiniflareEdge } from "../../test/support/miniflare-edge.js";
import { TMPFS_DIR } from "../edges-under-test.js";
import { ownWorkerdPids } from "../process-cpu.js";
import { mulberry32 } from "../routing/prng.js";
import { knee, project, renderSteps, renderVerdict, saturated } from "./load-report.js";
import { type CpuRates, type LoadPids, readCpu, runStep, type StepContext, type StepFigures } from "./load-step.js";
import { meanTokenCount, type TokenCountShape } from "./workload.js";

const MODEL = "llama-3.1-8b-instruct";
const ZONE = "eu-frankfurt";
const IDLE_SECONDS = 3;

const ratesFlag = z.string().transform((raw, ctx) => {
	const rates = raw.split(",").map((r) => Number(r.trim()));
	if (rates.length > 0 && rates.length <= 20 && rates.every((r) => Number.isFinite(r) && r > 0 && r <= 1000))
		return rates;
	ctx.addIssue({
		code: "custom",
		message: `--rates: expected 1 to 20 comma-separated jobs/s in (0, 1000], got ${JSON.stringify(raw)}`,
	});
	return z.NEVER;
});
const sigmaFlag = z.string().transform((raw, ctx) => {
	const x = Number(raw);
	if (Number.isFinite(x) && x >= 0 && x <= 2) return x;
	ctx.addIssue({ code: "custom", message: `--token-sigma: expected a number from 0 to 2, got ${JSON.stringify(raw)}` });
	return z.NEVER;
});
const argsSchema = z.object({
	agents: intFlag("agents", 1, 8),
	slots: intFlag("slots", 1, 256),
	rates: ratesFlag,
	stepSeconds: intFlag("step-seconds", 2, 600),
	medianTokens: intFlag("median-tokens", 1, 4096),
	tokenSigma: sigmaFlag,
	tokensPerSecond: intFlag("tokens-per-second", 1, 1000),
	seed: intFlag("seed", 0, 2 ** 31),
	maxSeconds: intFlag("max-seconds", 10, 3600),
	tmpfs: z.boolean(),
});
const { values } = parseArgs({
	options: {
		agents: { type: "string", default: "2" },
		slots: { type: "string", default: "16" },
		rates: { type: "string", default: "0.5,1,2,4,8" },
		"step-seconds": { type: "string", default: "15" },
		"median-tokens": { type: "string", default: "250" },
		"token-sigma": { type: "string", default: "0.6" },
		"tokens-per-second": { type: "string", default: "100" },
		seed: { type: "string", default: "1" },
		"max-seconds": { type: "string", default: "170" },
		tmpfs: { type: "boolean", default: false },
	},
});
const args = parseFlagsOrExit(argsSchema, {
	agents: values.agents,
	slots: values.slots,
	rates: values.rates,
	stepSeconds: values["step-seconds"],
	medianTokens: values["median-tokens"],
	tokenSigma: values["token-sigma"],
	tokensPerSecond: values["tokens-per-second"],
	seed: values.seed,
	maxSeconds: values["max-seconds"],
	tmpfs: values.tmpfs,
});

const startedAt = performance.now();
const cleanups: (() => Promise<unknown>)[] = [];
async function cleanup(): Promise<void> {
	for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
	cleanups.length = 0;
}
setTimeout(
	() => {
		console.error(`bench:load: still running after ${args.maxSeconds + 120} s; stopping`);
		cleanup().finally(() => process.exit(1));
	},
	(args.maxSeconds + 120) * 1000,
).unref();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.once(signal, () => cleanup().finally(() => process.exit(130)));
}

const host = () => ({
	cpu: cpus()[0]?.model ?? "unknown",
	cores: cpus().length,
	loadavg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
	node: process.version,
});

async function main(): Promise<void> {
	const hostAtStart = host();
	console.log(`host: ${hostAtStart.cpu}, ${hostAtStart.cores} cores, load average ${hostAtStart.loadavg1m} at start`);
	await ensureAgentBundle();
	const workDir = mkdtempSync(join(tmpdir(), "arcnet-load-"));
	cleanups.push(async () => rmSync(workDir, { recursive: true, force: true }));
	const serverSends = new Map<string, Float64Array>();
	const fake = await startFakeOpenAI({ models: [MODEL], tokenDelayMs: 1000 / args.tokensPerSecond });
	fake.controls.fill = {
		defaultTokens: args.medianTokens,
		onTokenSent: (prompt, index, at) => {
			const sends = serverSends.get(prompt);
			if (sends) sends[index] = at;
		},
	};
	cleanups.push(() => fake.close());
	console.log("starting the edge (workerd direct, production bundle)");
	const before = new Set(ownWorkerdPids());
	const stateRoot = args.tmpfs ? mkdtempSync(join(TMPFS_DIR, "arcnet-load-")) : workDir;
	if (args.tmpfs) cleanups.push(async () => rmSync(stateRoot, { recursive: true, force: true }));
	const edge = await startMiniflareEdge({ persistDir: join(stateRoot, "state"), directSocket: true });
	cleanups.push(() => edge.stop());
	const pids: LoadPids = { workerd: ownWorkerdPids().filter((p) => !before.has(p)), agents: [] };
	for (let i = 0; i < args.agents; i++) {
		const agent = await spawnAgent(edge, {
			name: `load-agent-${i}`,
			zoneId: ZONE,
			stateDir: join(workDir, `agent-${i}`),
			backend: { kind: "openai", url: fake.url },
			slots: args.slots,
		});
		cleanups.push(() => agent.stop(15_000));
		pids.agents.push(agent.pid);
	}
	await waitForModel(edge, MODEL, 60_000);
	const shape: TokenCountShape = {
		median: args.medianTokens,
		sigma: args.tokenSigma,
		min: 1,
		max: args.medianTokens * 8,
	};
	const ctx: StepContext = {
		url: `${edge.url}/v1/chat/completions`,
		apiKey: edge.devApiKey,
		model: MODEL,
		shape,
		random: mulberry32(args.seed),
		pids,
		query: edge.queryD1,
		serverSends,
		idle: { workerd: 0, agents: 0, generator: 0 },
		jobTimeoutMs: 120_000,
	};
	console.log(
		`${args.agents} agents x ${args.slots} slots; warming up, then ${IDLE_SECONDS} s idle for the baseline CPU`,
	);
	await runStep(ctx, 2, 3);
	ctx.idle = await idleRates(pids);
	console.log(`idle CPU (ms/s): workerd ${ctx.idle.workerd.toFixed(1)}, agents ${ctx.idle.agents.toFixed(1)}`);

	const steps: StepFigures[] = [];
	for (const rate of args.rates) {
		const elapsed = (performance.now() - startedAt) / 1000;
		const meanJobSeconds = meanTokenCount(shape) / args.tokensPerSecond;
		if (elapsed + args.stepSeconds + meanJobSeconds * 2 > args.maxSeconds) {
			console.log(`stopping before ${rate}/s: the ${args.maxSeconds} s budget would be exceeded`);
			break;
		}
		console.log(`step: ${rate} jobs/s for ${args.stepSeconds} s`);
		const step = await runStep(ctx, rate, args.stepSeconds);
		steps.push(step);
		if (saturated(step)) {
			console.log(`stopping after ${rate}/s: failed jobs, or jobs piling up in the queue`);
			break;
		}
	}
	const lines = renderSteps(steps);
	const k = knee(steps);
	// The knee's figures, else the busiest step's: CPU per job falls as load rises (idle work and warm-up amortised).
	const basis = k ?? steps.at(-1);
	const projection = basis ? project(basis, args.tokensPerSecond) : undefined;
	lines.push(...renderVerdict(steps, projection));
	const hostAtEnd = host();
	lines.push(
		`host: ${hostAtEnd.cpu}, ${hostAtEnd.cores} cores, load average ${hostAtStart.loadavg1m} at start, ${hostAtEnd.loadavg1m} at end; node ${hostAtEnd.node}`,
	);
	for (const line of lines) console.log(line);
	const result = {
		ranAt: new Date().toISOString(),
		host: { ...hostAtEnd, loadavg1mAtStart: hostAtStart.loadavg1m },
		setup: {
			model: MODEL,
			zone: ZONE,
			edge: `workerd direct (Miniflare), production bundle, state ${args.tmpfs ? "on tmpfs" : "on disk"}`,
			backend: `fake OpenAI server, load mode, ${args.tokensPerSecond} tokens/s per stream`,
			tokenCounts: shape,
			...args,
		},
		idleCpuMsPerSecond: ctx.idle,
		steps,
		knee: k ? k.offeredPerSecond : null,
		projection: projection ?? null,
		durationSeconds: Math.round((performance.now() - startedAt) / 1000),
	};
	const outDir = join(REPO_ROOT, "bench", "results");
	mkdirSync(outDir, { recursive: true });
	writeFileSync(join(outDir, "load.json"), `${JSON.stringify(result, null, 2)}\n`);
	console.log(`wrote ${join("bench", "results", "load.json")} (${result.durationSeconds} s)`);
}

/** CPU of workerd, the agents and this process while nothing is sent, in ms per second. */
async function idleRates(pids: LoadPids): Promise<CpuRates> {
	const a = readCpu(pids);
	await sleep(IDLE_SECONDS * 1000);
	const b = readCpu(pids);
	const rate = (k: keyof CpuRates) => (b[k] - a[k]) / IDLE_SECONDS;
	return { workerd: rate("workerd"), agents: rate("agents"), generator: rate("generator") };
}

main()
	.then(cleanup)
	.then(() => process.exit(0))
	.catch(async (err: unknown) => {
		console.error(`bench:load failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
		await cleanup();
		process.exit(1);
	});
