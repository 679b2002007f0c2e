/**
 * Hands a chat completion's job to a zone through the candidate loop
 * (candidate-loop.ts): submit to the router's first candidate and, when it
 * refuses, to the next. A job that fails before its first output with a
 * retryable cause (the zone lost its backend, ran out of attempts or
 * capacity) is submitted afresh to the next candidate, under a new job id, so
 * the client does not notice; once output started it is never retried. An
 * accepted job's stream that breaks (its zone restarted) is re-attached with
 * the zone's `resume` (src/protocol/job-stream-reader.ts).
 */
import type { SubmitJobAnswer, SubmitJobInput } from "../../durable-objects/geozone/contract.js";
import {
	type Assignment,
	awaitFirstOutput,
	type ResumeOptions,
	type StartedJob,
} from "../protocol/job-stream-reader.js";
import { log } from "../protocol/log-line.js";
import type { RoutingDecision } from "../protocol/routing-decision.js";
import { traceIdOf } from "../protocol/trace-context.js";
import { type Attempt, tryCandidates } from "./candidate-loop.js";
import { geozoneStub } from "./geozone-stub.js";
import { decisionRecord, explain, type Refusal } from "./route-explanation.js";
import type { CandidateRecord, RouteContext, Router } from "./router.js";
import { trackSubmit } from "./zone-load.js";

/** Error codes of a failure before any output after which another zone may well succeed. */
export const RETRYABLE_BEFORE_OUTPUT: ReadonlySet<string> = new Set([
	"backend_unreachable",
	"backend_overloaded",
	"max_attempts",
	"lease_expired",
	"no_capacity",
]);

/** A job accepted by a zone and read up to its first output, with the decision recorded with it. */
export interface Dispatched {
	zoneId: string;
	/** The id of the attempt that produced the output (differs from the first when a zone was retried). */
	jobId: string;
	started: StartedJob;
	decision: RoutingDecision;
	/** The policy as shown in x-arcnet-policy. */
	strategy: string;
	/** One-line explanation for the x-arcnet-route header. */
	explanation: string;
}

/** The job without the fields dispatch fills in (zone and routing record). */
export type JobToDispatch = Omit<SubmitJobInput, "zoneId" | "routingJson">;

/** Hooks into an attempt's life. */
export interface DispatchHooks {
	/** A job id for each attempt after the first. */
	nextJobId(): string;
	/** Called when a zone accepts an attempt, so the caller can cancel it if the client leaves. */
	onAccepted(zoneId: string, jobId: string): void;
	/** Once aborted (client gone), no further zone is tried. */
	signal?: AbortSignal;
}

/**
 * Submits `job` to the best zone that takes it and reads it up to its first
 * output (the candidate loop: candidate-loop.ts). Throws QueuesFullError (429
 * with Retry-After) when every zone that refused did so with a full queue,
 * else NoCapacityError (503 with Retry-After) naming the model when no zone
 * accepts it; when every attempt failed before output, the last failure is
 * returned so the client sees its real error.
 */
export async function dispatchJob(
	env: Env,
	router: Router,
	context: RouteContext,
	job: JobToDispatch,
	hooks: DispatchHooks,
): Promise<Dispatched> {
	let jobId = job.jobId;
	const attempt: Attempt<Dispatched> = async (candidate, plan, refusals) => {
		const decision = decisionRecord(context, plan, candidate, refusals);
		const submitted = await trySubmit(env, candidate, {
			...job,
			jobId,
			zoneId: candidate.zoneId,
			routingJson: JSON.stringify(decision),
		});
		if (!("stream" in submitted)) return { refusal: submitted };
		hooks.onAccepted(candidate.zoneId, jobId);
		const logFields = { job: jobId, zone: candidate.zoneId, tenant: job.tenantId, trace: traceIdOf(job.traceparent) };
		const resume = { ...resumeOptions(env, candidate, jobId), logFields };
		const started = await awaitFirstOutput(submitted.stream, resume, submitted.assigned);
		const explanation = explain(decision, plan.strategy);
		const dispatched = { zoneId: candidate.zoneId, jobId, started, decision, strategy: plan.strategy, explanation };
		const first = started.first;
		if (first.type !== "error" || !RETRYABLE_BEFORE_OUTPUT.has(first.code)) return { accepted: dispatched };
		// Nothing reached the client yet: the next zone gets a fresh job (the failed one is terminal in its zone).
		jobId = hooks.nextJobId();
		return {
			refusal: { zoneId: candidate.zoneId, reason: `failed:${first.code}`, retryAfterMs: 1000 },
			fallback: dispatched,
		};
	};
	return tryCandidates(env, router, context, attempt, hooks.signal ? { signal: hooks.signal } : {});
}

/** Re-attaches to the job `jobId` in the candidate's zone when its stream breaks (the object restarted). */
function resumeOptions(env: Env, candidate: CandidateRecord, jobId: string): ResumeOptions {
	return {
		resume: async (skipDeltas) => {
			const stub = geozoneStub(env, candidate.zoneId, candidate.locationHint);
			const result = await stub.resume(candidate.zoneId, jobId, skipDeltas);
			return result.found ? result.stream : null;
		},
	};
}

async function trySubmit(
	env: Env,
	candidate: CandidateRecord,
	input: SubmitJobInput,
): Promise<Refusal | { stream: ReadableStream<Uint8Array>; assigned: Assignment | null }> {
	try {
		const stub = geozoneStub(env, candidate.zoneId, candidate.locationHint);
		const result = await trackSubmit(candidate.zoneId, async (): Promise<SubmitJobAnswer> => stub.submit(input));
		if (result.accepted) return { stream: result.stream, assigned: result.assigned };
		return { zoneId: candidate.zoneId, reason: result.reason, retryAfterMs: result.retryAfterMs };
	} catch (err) {
		// An overloaded or failing object is a refusal like any other: the next zone may take the job.
		log("error", "job_submit_failed", {
			job: input.jobId,
			zone: candidate.zoneId,
			tenant: input.tenantId,
			trace: traceIdOf(input.traceparent),
			error: err,
		});
		return { zoneId: candidate.zoneId, reason: "rpc_error", retryAfterMs: 1000 };
	}
}
