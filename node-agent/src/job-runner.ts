/**
 * Runs one leased job: streams it from the backend, forwards the output to the
 * edge through an EventBatcher, and always ends the job with exactly one
 * outcome (done, error, or stopped because the edge or the shutdown said so).
 * Whatever happens, the job must end in a state the edge can act on, or its
 * client waits for a lease expiry.
 */
import type { LeasedJob, TokenUsage } from "../../src/protocol/agent-wire.js";
import type { JsonObject } from "../../src/protocol/json-value.js";
import { type Backend, BackendError } from "./backends/index.js";
import type { EdgeClient } from "./edge-client.js";
import { EventBatcher, type StopReason } from "./event-batcher.js";
import { errorMessage, type Logger } from "./logger.js";
import type { EnergyMeter } from "./telemetry/energy-meter.js";
import { JobTrace, type JobTracing } from "./tracing/job-trace.js";

/** Why a job was aborted from outside: the edge cancelled it, or the agent is shutting down. */
export type AbortCause = "cancelled" | "shutdown";

/** How a job ended, for the work loop. */
export type JobOutcome =
	| { kind: "done" }
	| { kind: "failed"; code: string }
	| { kind: "stopped"; reason: StopReason | AbortCause };

/** A job the agent holds, with what the work loop needs to renew, cancel or release it. */
export interface RunningJob {
	job: LeasedJob;
	abort: AbortController;
	/** True until the backend starts answering. */
	queued: boolean;
	leaseExpiresAt: number;
	/** Epoch ms the agent took the job, for the status view. */
	startedAt: number;
}

export interface JobRunnerDeps {
	backend: Backend;
	edge: Pick<EdgeClient, "postEvents">;
	logger: Logger;
	/** Counts output tokens for the telemetry's tokens/s. */
	onTokens(count: number): void;
	/** Aborted when the agent must stop for good (grace expired): cuts the event post in flight and stops retries. */
	hardStop?: AbortSignal;
	/** The job fails retryably when the backend sends nothing for this long, in ms. Default BACKEND_IDLE_TIMEOUT_MS. */
	backendIdleTimeoutMs?: number | undefined;
	/** Measures the job's GPU energy (nvidia-smi hosts); without it the edge estimates the energy. */
	meter?: Pick<EnergyMeter, "begin" | "addTokens" | "end"> | undefined;
	/** Where the job's spans go (--otlp-endpoint); without it the trace only reaches logs and the backend. */
	tracing?: JobTracing | undefined;
}

/**
 * Default longest silence of a backend within one job, in ms: generous, since
 * a long prompt can take minutes to its first token, but a hung server must
 * not hold a slot and a lease for ever.
 */
export const BACKEND_IDLE_TIMEOUT_MS = 300_000;

/** Runs `running.job` to its end; never throws. */
export async function runJob(running: RunningJob, deps: JobRunnerDeps): Promise<JobOutcome> {
	const { job, abort } = running;
	const trace = new JobTrace(job, deps.tracing);
	const log = deps.logger.child({ jobId: job.jobId, attempt: job.attempt, traceId: trace.traceId });
	const batcher = new EventBatcher({
		send: (events) => deps.edge.postEvents(job.jobId, { leaseId: job.leaseId, events }, deps.hardStop),
		onStop: (reason) => {
			if (!abort.signal.aborted) abort.abort(reason);
		},
		onLeaseRenewed: (at) => {
			running.leaseExpiresAt = at;
		},
		logger: log,
		...(deps.hardStop ? { signal: deps.hardStop } : {}),
	});
	log.info("job started", { model: job.model });
	const meter = deps.meter;
	void meter?.begin(job.jobId);
	let metered = meter !== undefined;
	let deltas = 0;
	let outcome: JobOutcome;
	const idle = watchIdle(deps.backendIdleTimeoutMs ?? BACKEND_IDLE_TIMEOUT_MS);
	let usage: TokenUsage | null = null;
	try {
		let finishReason = "stop";
		let response: JsonObject | undefined;
		const signal = AbortSignal.any([abort.signal, idle.signal]);
		trace.backendStarted();
		const parts = deps.backend.chat(job.model, job.request, signal, { traceparent: trace.backendTraceparent() });
		for await (const part of parts) {
			idle.parts++;
			running.queued = false;
			if (part.type === "delta") {
				deltas += 1;
				deps.onTokens(1);
				meter?.addTokens(job.jobId, 1);
				batcher.push({ type: "delta", text: part.text, ...(part.chunk ? { chunk: part.chunk } : {}) });
			} else {
				usage = part.usage;
				finishReason = part.finishReason;
				response = part.response;
			}
		}
		trace.backendEnded();
		if (abort.signal.aborted) throw abort.signal.reason;
		const promptTokens = usage?.prompt_tokens ?? 0;
		// The job's last reading comes before its done event, which carries the measured joules.
		const energyJ = meter ? await meter.end(job.jobId) : null;
		metered = false;
		batcher.push({
			type: "done",
			finishReason,
			usage: usage ?? { prompt_tokens: promptTokens, completion_tokens: deltas },
			...(energyJ !== null ? { energyJ: Math.round(energyJ * 1000) / 1000 } : {}),
			...(response ? { response } : {}),
		});
		outcome = { kind: "done" };
	} catch (err) {
		trace.backendEnded();
		if (abort.signal.aborted) {
			const reason = abort.signal.reason;
			outcome = {
				kind: "stopped",
				reason: reason === "shutdown" || typeof reason !== "string" ? "shutdown" : (reason as StopReason | AbortCause),
			};
		} else {
			const failure =
				idle.timedOut ??
				(err instanceof BackendError ? err : new BackendError("backend_error", errorMessage(err), false));
			log.warn("job failed on the backend", {
				code: failure.code,
				retryable: failure.retryable,
				error: failure.message,
			});
			batcher.push({
				type: "error",
				code: failure.code,
				message: failure.message.slice(0, 2000),
				retryable: failure.retryable,
			});
			outcome = { kind: "failed", code: failure.code };
		}
	}
	idle.stop();
	if (metered) void meter?.end(job.jobId);
	await batcher.drain();
	const stop = batcher.stopReason;
	if (stop && outcome.kind !== "stopped") outcome = { kind: "stopped", reason: stop };
	const detail = outcome.kind === "failed" ? outcome.code : outcome.kind === "stopped" ? outcome.reason : undefined;
	log.info("job ended", { outcome: outcome.kind, detail, deltas });
	trace.end({
		outcome: outcome.kind,
		detail,
		failed: outcome.kind === "failed",
		inputTokens: usage?.prompt_tokens,
		outputTokens: usage?.completion_tokens ?? deltas,
	});
	return outcome;
}

/**
 * Aborts its signal when a whole window of `ms` passes with `parts` unchanged:
 * one timer per window, not one per token.
 */
function watchIdle(ms: number) {
	const controller = new AbortController();
	const watch = {
		parts: 0,
		signal: controller.signal,
		timedOut: null as BackendError | null,
		stop: () => clearTimeout(timer),
	};
	let seen = 0;
	const check = () => {
		if (watch.parts !== seen) {
			seen = watch.parts;
			timer = setTimeout(check, ms);
			return;
		}
		watch.timedOut = new BackendError("backend_error", `the backend sent nothing for ${ms} ms`, true);
		controller.abort(watch.timedOut);
	};
	let timer = setTimeout(check, ms);
	return watch;
}
