/**
 * Hands a job to a zone: submit to the router's first candidate and, when it
 * refuses, to the next. A stale directory must never lose a job, so when every
 * cached candidate refuses (or none qualifies), the directory is re-read once
 * and the new candidates are tried before the client gets a 503.
 */
import type { RefusalReason, SubmitJobInput } from "../../durable-objects/geozone/contract.js";
import { NoCapacityError } from "../http/errors.js";
import { geozoneStub } from "./geozone-stub.js";
import type { CandidateRecord, RouteContext, Router } from "./router.js";
import { zoneDirectory } from "./zone-directory.js";

/** Retry-After (seconds) when no zone qualifies at all. */
const NO_ZONE_RETRY_AFTER_S = 5;

/** A job accepted by a zone: its output stream and the decision recorded with it. */
export interface Dispatched {
	zoneId: string;
	stream: ReadableStream<Uint8Array>;
	routing: Record<string, unknown>;
	/** One-line explanation for the x-arcnet-route header. */
	explanation: string;
}

/** The job without the fields dispatch fills in (zone and routing record). */
export type JobToDispatch = Omit<SubmitJobInput, "zoneId" | "routing">;

interface Refusal {
	zoneId: string;
	reason: RefusalReason | "rpc_error";
	retryAfterMs: number;
}

/**
 * Submits `job` to the first zone that accepts it; throws NoCapacityError (503
 * with Retry-After) naming the model when none does.
 */
export async function dispatchJob(
	env: Env,
	router: Router,
	context: RouteContext,
	job: JobToDispatch,
): Promise<Dispatched> {
	const tried = new Set<string>();
	const refusals: Refusal[] = [];
	const startedAt = Date.now();
	let firstReadAt: number | undefined;
	for (const fresh of [false, true]) {
		// A directory read during this request is as fresh as a second read would be.
		if (fresh && firstReadAt !== undefined && firstReadAt >= startedAt) break;
		const directory = await zoneDirectory(env, { fresh });
		firstReadAt ??= directory.fetchedAt;
		const plan = router.route(context, directory);
		for (const candidate of plan.candidates) {
			if (tried.has(candidate.zoneId)) continue;
			tried.add(candidate.zoneId);
			const routing = {
				strategy: plan.strategy,
				candidates: plan.candidates.map(summarize),
				chosen: candidate.zoneId,
				refused: refusals.map(({ zoneId, reason }) => ({ zoneId, reason })),
			};
			const refusal = await trySubmit(env, candidate, { ...job, zoneId: candidate.zoneId, routing });
			if ("stream" in refusal) {
				const explanation = explain(plan.strategy, candidate.zoneId, refusals);
				return { zoneId: candidate.zoneId, stream: refusal.stream, routing, explanation };
			}
			refusals.push(refusal);
		}
	}
	const retryAfterMs = refusals.length > 0 ? Math.min(...refusals.map((r) => r.retryAfterMs)) : 0;
	const retryAfterS = retryAfterMs > 0 ? retryAfterMs / 1000 : NO_ZONE_RETRY_AFTER_S;
	const why =
		refusals.length > 0
			? `every zone serving it refused the job (${refusals.map((r) => `${r.zoneId}: ${r.reason}`).join(", ")})`
			: "no zone has a live node serving it";
	throw new NoCapacityError(
		`No capacity for model ${JSON.stringify(context.model)}: ${why}. Retry later.`,
		retryAfterS,
	);
}

/** `strategy=first-available; chosen=eu-north; refused=us-west:queue_full`, for the response header. */
function explain(strategy: string, chosen: string, refusals: Refusal[]): string {
	const refused = refusals.map((r) => `${r.zoneId}:${r.reason}`).join(",");
	return `strategy=${strategy}; chosen=${chosen}${refused ? `; refused=${refused}` : ""}`;
}

function summarize(c: CandidateRecord) {
	return { zoneId: c.zoneId, freeSlots: c.freeSlots, queueDepth: c.queueDepth, liveNodes: c.liveNodes };
}

async function trySubmit(
	env: Env,
	candidate: CandidateRecord,
	input: SubmitJobInput,
): Promise<Refusal | { stream: ReadableStream<Uint8Array> }> {
	try {
		const result = await geozoneStub(env, candidate.zoneId, candidate.locationHint).submit(input);
		if (result.accepted) return { stream: result.stream };
		return { zoneId: candidate.zoneId, reason: result.reason, retryAfterMs: result.retryAfterMs };
	} catch (err) {
		// An overloaded or failing object is a refusal like any other: the next zone may take the job.
		console.error(`submit to ${candidate.zoneId} failed`, err);
		return { zoneId: candidate.zoneId, reason: "rpc_error", retryAfterMs: 1000 };
	}
}
