/**
 * The candidate loop shared by every path that hands a job to a zone (chat
 * completions and async jobs): route, try each candidate in order (those
 * with a free slot first, so a burst spreads: spread.ts), and when
 * every cached candidate refused (or none qualified) re-read the directory
 * once, so a stale directory never loses a job. What one try does (submit,
 * claim, read the first output) is the caller's `attempt`. When no zone takes
 * the job the caller gets 429 `queue_full` if every refusal was a full queue,
 * else 503 `no_capacity`, both with Retry-After.
 */
import { NoCapacityError, QueuesFullError } from "../http/errors.js";
import type { Refusal } from "./route-explanation.js";
import type { CandidateRecord, RouteContext, RoutePlan, Router } from "./router.js";
import { spreadOrder } from "./spread.js";
import { zoneDirectory } from "./zone-directory.js";
import { availableSlots } from "./zone-load.js";

/** Retry-After (seconds) when no zone qualifies at all. */
const NO_ZONE_RETRY_AFTER_S = 5;

/** What one try at a candidate came to. */
export type AttemptOutcome<T> =
	/** The zone took the job: the loop ends with `value`. */
	| { accepted: T }
	/**
	 * The zone refused it, or the job failed there: the next candidate is tried. `fallback` is what the
	 * caller returns if no later candidate does better (an early failure the client should see); `stop`
	 * ends the loop at once (the outcome is unknown, so nothing else may be tried).
	 */
	| { refusal: Refusal; fallback?: T; stop?: boolean };

/** One try at `candidate`, given the plan it came from and the refusals before it. */
export type Attempt<T> = (
	candidate: CandidateRecord,
	plan: RoutePlan,
	refusals: readonly Refusal[],
) => Promise<AttemptOutcome<T>>;

/** Where the loop starts. */
export interface CandidateLoopOptions {
	/** Zones already tried (not tried again). */
	tried?: Iterable<string>;
	/** Refusals already met (they count for the record and the final error). */
	refusals?: Iterable<Refusal>;
	/** Once aborted (the client left), no further zone is tried. */
	signal?: AbortSignal;
}

/**
 * Tries the router's candidates in order until one accepts, re-reading the
 * directory once when the cached one is used up. Returns the accepted value
 * (or the last `fallback`); throws QueuesFullError or NoCapacityError.
 */
export async function tryCandidates<T>(
	env: Env,
	router: Router,
	context: RouteContext,
	attempt: Attempt<T>,
	options: CandidateLoopOptions = {},
): Promise<T> {
	const tried = new Set(options.tried);
	const refusals = [...(options.refusals ?? [])];
	let fallback: { value: T } | undefined;
	const startedAt = Date.now();
	let firstReadAt: number | undefined;
	let excluded: readonly { zoneId: string; reason: string }[] = [];
	loop: for (const fresh of [false, true]) {
		// A directory read during this request is as fresh as a second read would be.
		if (fresh && firstReadAt !== undefined && firstReadAt >= startedAt) break;
		const directory = await zoneDirectory(env, { fresh });
		firstReadAt ??= directory.fetchedAt;
		const plan = router.route(context, directory);
		excluded = plan.excluded;
		const updatedAt = new Map(directory.zones.map((z) => [z.zoneId, z.updatedAt]));
		const loaded = plan.candidates.map((candidate) => ({
			candidate,
			available: availableSlots(candidate.zoneId, { ...candidate, updatedAt: updatedAt.get(candidate.zoneId) ?? 0 }),
		}));
		for (const candidate of spreadOrder(loaded)) {
			if (options.signal?.aborted) break loop;
			if (tried.has(candidate.zoneId)) continue;
			tried.add(candidate.zoneId);
			const outcome = await attempt(candidate, plan, refusals);
			if ("accepted" in outcome) return outcome.accepted;
			refusals.push(outcome.refusal);
			if (outcome.fallback !== undefined) fallback = { value: outcome.fallback };
			if (outcome.stop) break loop;
		}
	}
	if (fallback) return fallback.value;
	throw noZoneTookTheJob(context.model, refusals, endpointUnserved(context, excluded));
}

/** Why no zone qualified when zones serve the model but none on the request's endpoint; else undefined. */
function endpointUnserved(
	context: Pick<RouteContext, "endpoint">,
	excluded: readonly { zoneId: string; reason: string }[],
): string | undefined {
	const zones = excluded.filter((e) => e.reason === "endpoint").map((e) => e.zoneId);
	if (zones.length === 0) return undefined;
	return `no live node serves it on /v1/${context.endpoint ?? "chat/completions"} (zones ${zones.join(", ")} serve it on other endpoints)`;
}

/** The error for a job no zone took: 429 when every refusal was a full queue, else 503; both with Retry-After. */
export function noZoneTookTheJob(
	model: string,
	refusals: readonly Refusal[],
	unserved?: string,
): QueuesFullError | NoCapacityError {
	const retryAfterMs = refusals.length > 0 ? Math.min(...refusals.map((r) => r.retryAfterMs)) : 0;
	const retryAfterS = retryAfterMs > 0 ? retryAfterMs / 1000 : NO_ZONE_RETRY_AFTER_S;
	if (refusals.length > 0 && refusals.every((r) => r.reason === "queue_full")) {
		// Every zone that could serve the model is there but busy: the client is sending faster than they drain.
		const zones = refusals.map((r) => r.zoneId).join(", ");
		return new QueuesFullError(
			`Every zone serving model ${JSON.stringify(model)} has a full queue (${zones}). Retry later.`,
			retryAfterS,
		);
	}
	const why =
		refusals.length > 0
			? `every zone serving it refused the job (${refusals.map((r) => `${r.zoneId}: ${r.reason}`).join(", ")})`
			: (unserved ?? "no zone has a live node serving it within the request's constraints");
	return new NoCapacityError(`No capacity for model ${JSON.stringify(model)}: ${why}. Retry later.`, retryAfterS);
}
