/**
 * Hands an async job to a zone through the same candidate loop as a chat
 * completion (src/routing/candidate-loop.ts: router, constraints, fallback to
 * the next zone on a refusal, 429 or 503 with Retry-After when none takes it). Crash safety: before each submit the zone
 * is claimed in D1 (compare-and-set), so a retry of the same job resumes at
 * that zone, whose submitAsync is idempotent by job id; the claim moves on
 * only after a definite refusal. A submit whose outcome is unknown (RPC
 * error) is checked with getJob before anything else is tried.
 */
import type { SubmitAsyncAnswer, SubmitJobInput } from "../../durable-objects/geozone/contract.js";
import { claimZone } from "../db/async-jobs.js";
import type { Database } from "../db/client.js";
import { ApiError } from "../http/errors.js";
import { log } from "../protocol/log-line.js";
import { traceIdOf } from "../protocol/trace-context.js";
import { type Attempt, noZoneTookTheJob, tryCandidates } from "../routing/candidate-loop.js";
import type { JobToDispatch } from "../routing/dispatch.js";
import { geozoneStub } from "../routing/geozone-stub.js";
import { decisionRecord, type Refusal } from "../routing/route-explanation.js";
import type { RouteContext, Router } from "../routing/router.js";
import { trackSubmit } from "../routing/zone-load.js";

/** The routing record of a job re-submitted to the zone that already holds it (an idempotent retry). */
const RESUMED_ROUTING_JSON = JSON.stringify({ resumed: true });

/**
 * Submits `job` to the zone already claimed (if any), else to the best zone that takes it (the candidate
 * loop of src/routing/candidate-loop.ts); returns that zone. Throws 429 `queue_full` when every zone
 * refused with a full queue, else 503 `no_capacity`; 409 when a concurrent request moved the claim.
 */
export async function dispatchAsyncJob(
	env: Env,
	db: Database,
	router: Router,
	context: RouteContext,
	job: JobToDispatch,
	claimed: string | null,
): Promise<{ zoneId: string; replayed: boolean }> {
	let current = claimed;
	const refusals: Refusal[] = [];
	if (current !== null) {
		const outcome = await submitTo(env, current, { ...job, zoneId: current, routingJson: RESUMED_ROUTING_JSON });
		if (outcome.kind === "accepted") return { zoneId: current, replayed: outcome.replayed };
		refusals.push(outcome.refusal);
		if (outcome.refusal.reason === "unknown") throw noZoneTookTheJob(context.model, refusals);
	}
	const attempt: Attempt<{ zoneId: string; replayed: boolean }> = async (candidate, plan, before) => {
		if (!(await claimZone(db, job.jobId, current, candidate.zoneId))) {
			throw new ApiError(409, "A concurrent request for this job is in progress; retry it.", {
				type: "invalid_request_error",
				code: "idempotency_conflict",
			});
		}
		current = candidate.zoneId;
		const routing = decisionRecord(context, plan, candidate, before);
		const outcome = await submitTo(
			env,
			candidate.zoneId,
			{ ...job, zoneId: candidate.zoneId, routingJson: JSON.stringify(routing) },
			candidate.locationHint,
		);
		if (outcome.kind === "accepted") return { accepted: { zoneId: candidate.zoneId, replayed: outcome.replayed } };
		// An unknown outcome may be a job the zone holds: nothing else may be tried (the claim stays there).
		return { refusal: outcome.refusal, stop: outcome.refusal.reason === "unknown" };
	};
	return tryCandidates(env, router, context, attempt, {
		tried: current === null ? [] : [current],
		refusals,
	});
}

type Outcome = { kind: "accepted"; replayed: boolean } | { kind: "refused"; refusal: Refusal };

async function submitTo(env: Env, zoneId: string, input: SubmitJobInput, hint?: string): Promise<Outcome> {
	const stub = geozoneStub(env, zoneId, hint);
	try {
		const result = await trackSubmit(zoneId, async (): Promise<SubmitAsyncAnswer> => stub.submitAsync(input));
		if (result.accepted) return { kind: "accepted", replayed: result.replayed };
		return { kind: "refused", refusal: { zoneId, reason: result.reason, retryAfterMs: result.retryAfterMs } };
	} catch (err) {
		log("error", "async_submit_failed", {
			job: input.jobId,
			zone: zoneId,
			tenant: input.tenantId,
			trace: traceIdOf(input.traceparent),
			error: err,
		});
		// The zone may have written the job before the error: ask it before anything moves elsewhere.
		try {
			if (await stub.getJob(zoneId, input.jobId, input.tenantId)) return { kind: "accepted", replayed: true };
			return { kind: "refused", refusal: { zoneId, reason: "rpc_error", retryAfterMs: 1000 } };
		} catch {
			return { kind: "refused", refusal: { zoneId, reason: "unknown", retryAfterMs: 1000 } };
		}
	}
}
