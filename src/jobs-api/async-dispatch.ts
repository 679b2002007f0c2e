/**
 * Hands an async job to a zone, routed exactly as a chat completion
 * (router, constraints, fallback to the next zone on a refusal, 503 with
 * Retry-After when none takes it). Crash safety: before each submit the zone
 * is claimed in D1 (compare-and-set), so a retry of the same job resumes at
 * that zone, whose submitAsync is idempotent by job id; the claim moves on
 * only after a definite refusal. A submit whose outcome is unknown (RPC
 * error) is checked with getJob before anything else is tried.
 */
import type { SubmitJobInput } from "../../durable-objects/geozone/contract.js";
import { claimZone } from "../db/async-jobs.js";
import type { Database } from "../db/client.js";
import { ApiError, NoCapacityError } from "../http/errors.js";
import type { JobToDispatch } from "../routing/dispatch.js";
import { geozoneStub } from "../routing/geozone-stub.js";
import { decisionRecord, type Refusal } from "../routing/route-explanation.js";
import type { RouteContext, Router } from "../routing/router.js";
import { zoneDirectory } from "../routing/zone-directory.js";

/** Retry-After (seconds) when no zone qualifies at all. */
const NO_ZONE_RETRY_AFTER_S = 5;
/** The routing record of a job re-submitted to the zone that already holds it (an idempotent retry). */
const RESUMED_ROUTING_JSON = JSON.stringify({ resumed: true });

/** Submits `job` to the zone already claimed (if any), else to the best zone that takes it; returns that zone. */
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
	}
	const tried = new Set(current === null ? [] : [current]);
	for (const fresh of [false, true]) {
		const directory = await zoneDirectory(env, { fresh });
		const plan = router.route(context, directory);
		for (const candidate of plan.candidates) {
			if (tried.has(candidate.zoneId)) continue;
			tried.add(candidate.zoneId);
			if (!(await claimZone(db, job.jobId, current, candidate.zoneId))) {
				throw new ApiError(409, "A concurrent request for this job is in progress; retry it.", {
					type: "invalid_request_error",
					code: "idempotency_conflict",
				});
			}
			current = candidate.zoneId;
			const routing = decisionRecord(context, plan, candidate, refusals);
			const outcome = await submitTo(
				env,
				candidate.zoneId,
				{ ...job, zoneId: candidate.zoneId, routingJson: JSON.stringify(routing) },
				candidate.locationHint,
			);
			if (outcome.kind === "accepted") return { zoneId: candidate.zoneId, replayed: outcome.replayed };
			refusals.push(outcome.refusal);
			if (outcome.refusal.reason === "unknown") break;
		}
		if (refusals.some((r) => r.reason === "unknown")) break;
	}
	const retryAfterMs = refusals.length > 0 ? Math.min(...refusals.map((r) => r.retryAfterMs)) : 0;
	const why =
		refusals.length > 0
			? `every zone serving it refused the job (${refusals.map((r) => `${r.zoneId}: ${r.reason}`).join(", ")})`
			: "no zone has a live node serving it within the request's constraints";
	throw new NoCapacityError(
		`No capacity for model ${JSON.stringify(context.model)}: ${why}. Retry later.`,
		retryAfterMs > 0 ? retryAfterMs / 1000 : NO_ZONE_RETRY_AFTER_S,
	);
}

type Outcome = { kind: "accepted"; replayed: boolean } | { kind: "refused"; refusal: Refusal };

async function submitTo(env: Env, zoneId: string, input: SubmitJobInput, hint?: string): Promise<Outcome> {
	const stub = geozoneStub(env, zoneId, hint);
	try {
		const result = await stub.submitAsync(input);
		if (result.accepted) return { kind: "accepted", replayed: result.replayed };
		return { kind: "refused", refusal: { zoneId, reason: result.reason, retryAfterMs: result.retryAfterMs } };
	} catch (err) {
		console.error(`async submit of ${input.jobId} to ${zoneId} failed`, err);
		// The zone may have written the job before the error: ask it before anything moves elsewhere.
		try {
			if (await stub.getJob(zoneId, input.jobId, input.tenantId)) return { kind: "accepted", replayed: true };
			return { kind: "refused", refusal: { zoneId, reason: "rpc_error", retryAfterMs: 1000 } };
		} catch {
			return { kind: "refused", refusal: { zoneId, reason: "unknown", retryAfterMs: 1000 } };
		}
	}
}
