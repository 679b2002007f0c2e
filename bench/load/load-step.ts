/**
 * One step of the load test: Poisson arrivals at one rate for a fixed window,
 * every job streamed and timed, then a drain until the last job ends; CPU of
 * workerd, the agents and this process (load generator and fake server) is
 * read from /proc around the whole step, and the jobs' queue wait from D1.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type JobPhases, jobPhases, type QueryD1 } from "../job-phases.js";
import { cpuMs } from "../process-cpu.js";
import type { Random } from "../routing/prng.js";
import { type Summary, summarize } from "../stats.js";
import { type JobRequest, type JobSample, runStreamJob } from "./stream-job.js";
import { drawTokenCount, exponentialGapMs, type TokenCountShape } from "./workload.js";

/** The processes whose CPU a step reports. */
export interface LoadPids {
	workerd: number[];
	agents: number[];
}

/** What a step needs to send jobs and read their figures. */
export interface StepContext {
	url: string;
	apiKey: string;
	model: string;
	shape: TokenCountShape;
	random: Random;
	pids: LoadPids;
	query: QueryD1;
	/** The fake server's per-token send times, by prompt; the step registers and removes its jobs'. */
	serverSends: Map<string, Float64Array>;
	/** Idle CPU of workerd and the agents (ms per s), subtracted from a step's figures. */
	idle: CpuRates;
	jobTimeoutMs: number;
}

/** CPU of the three process groups, in ms per wall second. */
export interface CpuRates {
	workerd: number;
	agents: number;
	generator: number;
}

/** CPU of one group over a step. */
export interface CpuCost {
	/** Share of one core over the step, in % (idle included). */
	corePct: number;
	/** Over idle, per finished job and per 1,000 streamed tokens, in ms. */
	perJobMs: number;
	perKiloTokenMs: number;
}

/** One step's figures. */
export interface StepFigures {
	offeredPerSecond: number;
	windowSeconds: number;
	sent: number;
	ok: number;
	errors: number;
	firstErrors: string[];
	/** Jobs finished without error per second of the window. */
	achievedPerSecond: number;
	/** Streams in flight, sampled every 100 ms of the window. */
	concurrentStreams: { mean: number; max: number };
	/** After the window, until the last job ended, in s. */
	drainSeconds: number;
	tokens: number;
	queueWait: Summary;
	phasesFound: string;
	firstToken: Summary;
	addedGap: Summary;
	tokenDelay: Summary;
	/** Tokens arriving together (bursts), per job: about the event posts that carried output. */
	burstsPerJob: number;
	cpu: { workerd: CpuCost; agents: CpuCost; generatorCorePct: number };
}

/** CPU used so far (ms) by the three groups. */
export function readCpu(pids: LoadPids): CpuRates {
	const own = process.cpuUsage();
	return { workerd: cpuMs(pids.workerd), agents: cpuMs(pids.agents), generator: (own.user + own.system) / 1000 };
}

let nextJob = 0;

/** Sends jobs at `ratePerSecond` for `windowSeconds`, waits for them all, and measures. */
export async function runStep(ctx: StepContext, ratePerSecond: number, windowSeconds: number): Promise<StepFigures> {
	const cpuBefore = readCpu(ctx.pids);
	const t0 = performance.now();
	const end = t0 + windowSeconds * 1000;
	const running = new Set<Promise<JobSample>>();
	const all: Promise<JobSample>[] = [];
	const inFlight: number[] = [];
	const sampler = setInterval(() => inFlight.push(running.size), 100);
	let nextAt = t0 + exponentialGapMs(ratePerSecond, ctx.random);
	while (nextAt < end) {
		const wait = nextAt - performance.now();
		if (wait > 0) await sleep(wait);
		const prompt = `load job ${nextJob++}`;
		const tokens = drawTokenCount(ctx.shape, ctx.random);
		const serverSentAt = new Float64Array(tokens).fill(Number.NaN);
		ctx.serverSends.set(prompt, serverSentAt);
		const request: JobRequest = { ...ctx, prompt, tokens, serverSentAt, timeoutMs: ctx.jobTimeoutMs };
		const job = runStreamJob(request).finally(() => {
			running.delete(job);
			ctx.serverSends.delete(prompt);
		});
		running.add(job);
		all.push(job);
		nextAt += exponentialGapMs(ratePerSecond, ctx.random);
	}
	const windowEnd = Math.max(end, performance.now());
	clearInterval(sampler);
	const samples = await Promise.all(all);
	const drainedAt = performance.now();
	const cpuAfter = readCpu(ctx.pids);
	const wallSeconds = (drainedAt - t0) / 1000;
	const ok = samples.filter((s) => s.ok);
	const tokens = ok.reduce((n, s) => n + s.tokens, 0);
	const cost = (group: "workerd" | "agents"): CpuCost => {
		const used = cpuAfter[group] - cpuBefore[group];
		const overIdle = used - ctx.idle[group] * wallSeconds;
		const round = (x: number) => Math.round(x * 100) / 100;
		return {
			corePct: Math.round((used / 10 / wallSeconds) * 10) / 10,
			perJobMs: ok.length ? round(overIdle / ok.length) : Number.NaN,
			perKiloTokenMs: tokens ? round((overIdle / tokens) * 1000) : Number.NaN,
		};
	};
	const jobIds = ok.flatMap((s) => (s.jobId ? [s.jobId] : []));
	const phases: JobPhases = await jobPhases(ctx.query, jobIds, 30_000);
	const errors = samples.filter((s) => !s.ok);
	const meanInFlight = inFlight.length ? inFlight.reduce((a, b) => a + b, 0) / inFlight.length : 0;
	return {
		offeredPerSecond: ratePerSecond,
		windowSeconds,
		sent: samples.length,
		ok: ok.length,
		errors: errors.length,
		firstErrors: [...new Set(errors.map((s) => s.error ?? "unknown"))].slice(0, 3),
		achievedPerSecond: Math.round((ok.length / ((windowEnd - t0) / 1000)) * 100) / 100,
		concurrentStreams: { mean: Math.round(meanInFlight * 10) / 10, max: Math.max(0, ...inFlight) },
		drainSeconds: Math.round((drainedAt - windowEnd) / 100) / 10,
		tokens,
		queueWait: phases.dispatch,
		phasesFound: `${phases.found}/${phases.wanted}`,
		firstToken: summarize(ok.map((s) => s.firstTokenMs)),
		addedGap: summarize(ok.flatMap((s) => s.addedGapsMs)),
		tokenDelay: summarize(ok.flatMap((s) => s.tokenDelaysMs)),
		burstsPerJob: ok.length ? Math.round((ok.reduce((n, s) => n + s.bursts, 0) / ok.length) * 10) / 10 : 0,
		cpu: {
			workerd: cost("workerd"),
			agents: cost("agents"),
			generatorCorePct: Math.round(((cpuAfter.generator - cpuBefore.generator) / 10 / wallSeconds) * 10) / 10,
		},
	};
}
