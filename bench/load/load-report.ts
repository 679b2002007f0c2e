/**
 * The load test's verdicts and table: the knee (the highest offered rate at
 * which the p99 gap the edge adds between tokens stays under the limit and no
 * job fails), and a projection of one zone's ceiling on Cloudflare, where a
 * zone's GeozoneDO runs on one thread: from the CPU one job costs and the
 * messages it sends to that object.
 */
import type { StepFigures } from "./load-step.js";

/** p99 added inter-token gap a step may show and still count as keeping up, in ms. */
export const KNEE_GAP_P99_MS = 20;
/** A Durable Object's documented soft limit, in requests per second. */
export const OBJECT_SOFT_LIMIT_PER_SECOND = 1000;
/** Zone messages per job besides its event posts: the submission and the poll answer that leases it (a floor). */
const ZONE_MESSAGES_PER_JOB_BESIDES_POSTS = 2;

/** Whether a step kept up: no failed job and the p99 added gap under the limit. */
export const stepPasses = (s: StepFigures) => s.errors === 0 && s.ok > 0 && s.addedGap.p99 < KNEE_GAP_P99_MS;

/** Longest p99 queue wait, in ms, and drain after the window, in s, of a step that still keeps up. */
const SATURATED_QUEUE_P99_MS = 5_000;
const SATURATED_DRAIN_S = 30;

/** Whether a step shows the system past its limit: failed jobs, or jobs piling up in the queue. */
export const saturated = (s: StepFigures) =>
	s.errors > 0 || s.queueWait.p99 > SATURATED_QUEUE_P99_MS || s.drainSeconds > SATURATED_DRAIN_S;

/** The last step that passed, in rate order (undefined when none did). */
export function knee(steps: readonly StepFigures[]): StepFigures | undefined {
	return steps.filter(stepPasses).at(-1);
}

/** One zone's projected ceiling on Cloudflare, from one step's figures. */
export interface Projection {
	basisOfferedPerSecond: number;
	meanTokensPerJob: number;
	/** workerd CPU over idle per job: the Worker, both objects and local D1 together, so an upper bound of the zone object's. */
	workerdMsPerJob: number;
	/** Jobs/s one thread sustains if every such ms were the zone object's. */
	cpuCeilingJobsPerSecond: number;
	/** Messages the zone object receives per job: event posts (bursts of tokens seen by the client) plus the submission and lease. */
	zoneMessagesPerJob: number;
	messageCeilingJobsPerSecond: number;
	binding: "cpu" | "messages";
	ceilingJobsPerSecond: number;
	ceilingTokensPerSecond: number;
	/** Streams in flight at the ceiling (Little's law), each job streaming at the backend's rate. */
	ceilingConcurrentStreams: number;
}

/** The ceiling projected from `basis`, for streams of `tokensPerSecond`. */
export function project(basis: StepFigures, tokensPerSecond: number): Projection {
	const meanTokensPerJob = basis.ok ? basis.tokens / basis.ok : Number.NaN;
	const workerdMsPerJob = basis.cpu.workerd.perJobMs;
	const cpuCeiling = 1000 / workerdMsPerJob;
	const zoneMessagesPerJob = basis.burstsPerJob + ZONE_MESSAGES_PER_JOB_BESIDES_POSTS;
	const messageCeiling = OBJECT_SOFT_LIMIT_PER_SECOND / zoneMessagesPerJob;
	const binding = cpuCeiling <= messageCeiling ? "cpu" : "messages";
	const ceiling = Math.min(cpuCeiling, messageCeiling);
	const r = (x: number) => Math.round(x * 10) / 10;
	return {
		basisOfferedPerSecond: basis.offeredPerSecond,
		meanTokensPerJob: r(meanTokensPerJob),
		workerdMsPerJob,
		cpuCeilingJobsPerSecond: r(cpuCeiling),
		zoneMessagesPerJob: r(zoneMessagesPerJob),
		messageCeilingJobsPerSecond: r(messageCeiling),
		binding,
		ceilingJobsPerSecond: r(ceiling),
		ceilingTokensPerSecond: Math.round(ceiling * meanTokensPerJob),
		ceilingConcurrentStreams: r((ceiling * meanTokensPerJob) / tokensPerSecond),
	};
}

const cell = (x: number | string, width: number) =>
	(typeof x === "number" ? (Number.isNaN(x) ? "-" : String(x)) : x).padStart(width);

/** The per-step table. */
export function renderSteps(steps: readonly StepFigures[]): string[] {
	const head = [
		["offered/s", 9],
		["done/s", 7],
		["streams", 9],
		["err", 4],
		["queue p50/p99", 15],
		["TTFT p50/p99", 14],
		["+gap p50/p99", 14],
		["tok delay p99", 14],
		["bursts/job", 11],
		["workerd %/job/ktok", 20],
		["agents %/job/ktok", 19],
		["gen %", 6],
		["", 3],
	] as const;
	const lines = [head.map(([h, w]) => h.padStart(w)).join(" ")];
	const pair = (a: number, b: number) =>
		`${Number.isNaN(a) ? "-" : a.toFixed(1)}/${Number.isNaN(b) ? "-" : b.toFixed(1)}`;
	for (const s of steps) {
		const w = s.cpu.workerd;
		const a = s.cpu.agents;
		const values = [
			s.offeredPerSecond,
			s.achievedPerSecond,
			`${s.concurrentStreams.mean}/${s.concurrentStreams.max}`,
			s.errors,
			pair(s.queueWait.p50, s.queueWait.p99),
			pair(s.firstToken.p50, s.firstToken.p99),
			pair(s.addedGap.p50, s.addedGap.p99),
			s.tokenDelay.p99.toFixed(1),
			s.burstsPerJob,
			`${w.corePct}/${w.perJobMs}/${w.perKiloTokenMs}`,
			`${a.corePct}/${a.perJobMs}/${a.perKiloTokenMs}`,
			s.cpu.generatorCorePct,
			stepPasses(s) ? "ok" : "x",
		];
		lines.push(values.map((v, i) => cell(v, head[i]?.[1] ?? 0)).join(" "));
	}
	return lines;
}

/** The lines under the table: the knee and the projection. */
export function renderVerdict(steps: readonly StepFigures[], projection: Projection | undefined): string[] {
	const k = knee(steps);
	const lines = [
		"",
		k
			? `knee: ${k.offeredPerSecond} jobs/s offered (${k.achievedPerSecond} done/s, ${k.concurrentStreams.mean} streams on average): the highest step with p99 added inter-token gap < ${KNEE_GAP_P99_MS} ms and no failed job`
			: `knee: none of the steps kept p99 added inter-token gap < ${KNEE_GAP_P99_MS} ms without failures`,
	];
	for (const s of steps)
		if (s.firstErrors.length) lines.push(`  ${s.offeredPerSecond}/s errors: ${s.firstErrors.join(" | ")}`);
	if (projection) {
		const p = projection;
		lines.push(
			`projection for one zone on Cloudflare (from the ${p.basisOfferedPerSecond}/s step, ${p.meanTokensPerJob} tokens per job):`,
			`  CPU: ${p.workerdMsPerJob} ms of workerd per job (Worker + objects + D1: an upper bound of the zone object's) -> ${p.cpuCeilingJobsPerSecond} jobs/s on one thread`,
			`  messages: >= ${p.zoneMessagesPerJob} to the zone object per job (event posts + submission + lease) -> ${p.messageCeilingJobsPerSecond} jobs/s at ${OBJECT_SOFT_LIMIT_PER_SECOND} requests/s`,
			`  binds first: ${p.binding === "cpu" ? "the zone object's CPU" : "the zone object's message rate"}: about ${p.ceilingJobsPerSecond} jobs/s, ${p.ceilingTokensPerSecond} tokens/s, ${p.ceilingConcurrentStreams} concurrent streams`,
		);
	}
	lines.push(
		"streams: mean/max in flight; queue: D1 leased_at - received_at; TTFT: send to first token at the client;",
		"+gap: per token, (arrival gap at the client) - (send gap at the fake server); tok delay: arrival - server send;",
		"bursts/job: distinct arrival times of a job's tokens (about the agent's event posts that carried them);",
		"CPU: % of one core over the step (idle included) / ms per job / ms per 1,000 tokens (idle CPU subtracted);",
		"workerd runs the Worker, every Durable Object class and D1 in one process, so its CPU is not split by object here;",
		"gen: this process (load generator and fake server).",
	);
	return lines;
}
