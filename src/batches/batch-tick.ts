/**
 * The batch scheduler's tick for one tenant (ADR 0019, docs/batches.md):
 * 1. reads the jobs its running requests became and records those that ended
 *    (cancelling them in their zones when the batch is being cancelled);
 * 2. places the pending requests in space and time (slot-plan.ts) over the
 *    zones that serve their model, from the zones' free slots and carbon
 *    forecasts, and dispatches those whose slot is now;
 * 3. writes the output and error files of batches whose requests all ended.
 * Ticks of one tenant never overlap (a lease in its BatchStoreDO). Errors are
 * logged; the next tick (cron, or the next poll) carries on.
 */
import type { DispatchedRequest, PendingRequest } from "../../durable-objects/batches/contract.js";
import { randomId } from "../auth/crypto.js";
import { jobObject } from "../protocol/job-object.js";
import { log } from "../protocol/log-line.js";
import { clientLocation } from "../routing/client-location.js";
import { geozoneStub } from "../routing/geozone-stub.js";
import { servingOf } from "../routing/model-details.js";
import { decisionRecord } from "../routing/route-explanation.js";
import { type CandidateRecord, policyRouter, type RouteContext } from "../routing/router.js";
import { type Directory, zoneDirectory } from "../routing/zone-directory.js";
import { errorLine } from "./batch-input.js";
import { reserveTokens, settleTokens, usedTokens } from "./batch-quota.js";
import { batchRegistry, batchStore } from "./batch-stub.js";
import { putFile } from "./file-store.js";
import { type PlanRequest, type PlanZone, planSlots } from "./slot-plan.js";
import { zoneForecasts } from "./zone-forecasts.js";

/** One slot of the plan: an hour, the step of the providers' forecasts. */
export const SLOT_MS = 3_600_000;
/** Time allowed for a request to run once started, kept off the end of its window. */
export const RUN_ALLOWANCE_MS = 600_000;
/** Pending and running requests one tick reads at most. */
const WORK_LIMIT = 2_000;

type Store = ReturnType<typeof batchStore>;

/** Where a tick gets its forecasts: the configured provider by default; tests hand it their own. */
export type ForecastSource = typeof zoneForecasts;

/** Runs one tick for `tenantId`; never rejects. */
export async function tickTenant(
	env: Env,
	tenantId: string,
	now = Date.now(),
	forecasts: ForecastSource = zoneForecasts,
): Promise<void> {
	const store = batchStore(env, tenantId);
	try {
		if (!(await store.lease({ tenantId, now }))) return;
		const work = await store.work({ tenantId, now, limit: WORK_LIMIT });
		await Promise.all(work.dispatched.map((r) => follow(env, store, tenantId, r)));
		await placeAndDispatch(env, store, tenantId, work.pending, now, forecasts);
		for (const batchId of work.toFinalize) await writeFiles(env, store, tenantId, batchId, now);
		if (work.liveBatches === 0) await batchRegistry(env).setActive(tenantId, false);
	} catch (err) {
		log("error", "batch_tick_failed", { tenant: tenantId, error: err });
	} finally {
		await store.release({ tenantId }).catch(() => undefined);
	}
}

/** Reads a running request's job and records its end. */
async function follow(env: Env, store: Store, tenantId: string, r: DispatchedRequest): Promise<void> {
	const zone = geozoneStub(env, r.zoneId);
	const ref = { tenantId, batchId: r.batchId, line: r.line };
	if (r.cancelling) {
		const cancelled = await zone.cancelForTenant(r.zoneId, r.jobId, tenantId);
		if (cancelled.outcome !== "finished") {
			await settleTokens(env, r.permit, 0);
			await store.settle({
				...ref,
				state: "cancelled",
				resultJson: errorLine(r.customId, "batch_cancelled", "The batch was cancelled before this request ended."),
			});
			return;
		}
	}
	const view = await zone.getJob(r.zoneId, r.jobId, tenantId);
	if (!view) {
		// Never reached the zone (the tick died between recording and submitting), or long forgotten: run it again.
		await settleTokens(env, r.permit, 0);
		await store.requeue(ref);
		return;
	}
	const object = jobObject(view);
	const ended = ["succeeded", "failed", "expired", "cancelled"].includes(object.status);
	// The key's daily tokens: a succeeded job counts what it used, one that failed counts nothing, as requests do.
	if (ended) await settleTokens(env, r.permit, object.status === "succeeded" ? usedTokens(view.usage) : 0);
	if (object.status === "succeeded") {
		const line = {
			id: `batch_req_${r.jobId.slice(4)}`,
			custom_id: r.customId,
			response: { status_code: 200, request_id: r.jobId, body: object.result },
			error: null,
		};
		await store.settle({ ...ref, state: "succeeded", resultJson: JSON.stringify(line) });
	} else if (object.status === "failed" || object.status === "expired" || object.status === "cancelled") {
		const error = object.error ?? {
			message: `The job ended ${object.status}.`,
			type: "upstream_error",
			code: object.status,
		};
		const line = {
			id: `batch_req_${r.jobId.slice(4)}`,
			custom_id: r.customId,
			response: { status_code: object.status === "failed" ? 502 : 504, request_id: r.jobId, body: { error } },
			error: null,
		};
		await store.settle({ ...ref, state: "failed", resultJson: JSON.stringify(line) });
	}
}

function routeContext(env: Env, tenantId: string, p: PendingRequest): RouteContext {
	// Deferrable work weighs carbon only: nobody waits on its latency. The key's regions stay a hard constraint.
	return {
		model: p.model,
		endpoint: p.endpoint,
		tenantId,
		policy: { name: "carbon" },
		policySource: "default",
		client: clientLocation(undefined, env),
		...(p.allowedRegions !== null ? { allowedRegions: p.allowedRegions } : {}),
	};
}

/** Requests that route alike: same model and endpoint, same key regions. */
function routeKey(p: PendingRequest): string {
	return JSON.stringify([p.model, p.endpoint, p.allowedRegions]);
}

/** Why no zone can ever take the request now, or null when some zone serves its model on its endpoint. */
function unserved(directory: Directory, p: PendingRequest): string | null {
	const zones = directory.zones.filter((z) => z.models.includes(p.model));
	if (zones.length === 0) return `The model ${JSON.stringify(p.model)} is not served by any zone.`;
	if (zones.some((z) => servingOf(z, p.model)?.endpoints.includes(p.endpoint))) return null;
	return `The model ${JSON.stringify(p.model)} is not served on /v1/${p.endpoint} by any zone.`;
}

/** Plans every pending request and dispatches those whose slot is now. */
async function placeAndDispatch(
	env: Env,
	store: Store,
	tenantId: string,
	pending: PendingRequest[],
	now: number,
	forecasts: ForecastSource,
): Promise<void> {
	if (pending.length === 0) return;
	const directory = await zoneDirectory(env, { fresh: true });
	const margin = Number(env.BATCH_SAFETY_MARGIN) || 0.05;
	const maxDispatch = Number(env.BATCH_TICK_MAX_DISPATCH) || 200;
	const plans = new Map<string, { context: RouteContext; candidates: CandidateRecord[] }>();
	for (const p of pending) {
		if (plans.has(routeKey(p))) continue;
		const context = routeContext(env, tenantId, p);
		plans.set(routeKey(p), { context, candidates: policyRouter.route(context, directory).candidates });
	}
	const zoneIds = [...new Set([...plans.values()].flatMap((p) => p.candidates.map((c) => c.zoneId)))];
	const forecast = await forecasts(env, zoneIds, now);
	const horizon = Math.max(1, ...pending.map((p) => Math.ceil((p.expiresAt - now) / SLOT_MS)));
	const byZone = new Map(directory.zones.map((z) => [z.zoneId, z]));
	const planZones: PlanZone[] = zoneIds.map((zoneId) => {
		const zone = byZone.get(zoneId);
		const free = zone?.freeSlots ?? 0;
		// Free slots ahead are assumed as now (sync load persists); batch work never takes more.
		return {
			intensity: forecast(zoneId, zone?.gco2PerKwh ?? 0, horizon, SLOT_MS),
			free: new Array<number>(horizon).fill(free),
		};
	});
	const requests: PlanRequest[] = [];
	const serving: PendingRequest[] = [];
	for (const p of pending) {
		const candidates = plans.get(routeKey(p))?.candidates ?? [];
		if (candidates.length === 0) {
			const why = unserved(directory, p);
			if (why !== null) {
				const ref = { tenantId, batchId: p.batchId, line: p.line };
				await store.settle({ ...ref, state: "failed", resultJson: errorLine(p.customId, "model_not_found", why) });
			}
			continue;
		}
		const latestStart = p.expiresAt - margin * (p.expiresAt - p.createdAt) - RUN_ALLOWANCE_MS;
		requests.push({
			latestSlot: p.defer ? Math.floor((latestStart - now) / SLOT_MS) : 0,
			zones: candidates.map((c) => zoneIds.indexOf(c.zoneId)),
		});
		serving.push(p);
	}
	const placements = planSlots(planZones, requests);
	let dispatched = 0;
	for (const [i, p] of serving.entries()) {
		if (dispatched >= maxDispatch) break;
		const placement = placements[i];
		const urgent = (requests[i]?.latestSlot ?? 0) <= 0;
		// Past its safety margin a request runs wherever a zone takes it, queued if no slot is free.
		if (!(placement?.slot === 0 || (urgent && placement === null))) continue;
		const plan = plans.get(routeKey(p));
		if (!plan) continue;
		const first = placement ? zoneIds[placement.zone] : undefined;
		const order = [...plan.candidates].sort((a, b) => Number(b.zoneId === first) - Number(a.zoneId === first));
		if (await dispatchOne(env, store, tenantId, p, plan.context, order, now)) dispatched++;
	}
}

/** Records the job id first, then submits, so a crash in between is found (getJob null) and retried. */
async function dispatchOne(
	env: Env,
	store: Store,
	tenantId: string,
	p: PendingRequest,
	context: RouteContext,
	candidates: CandidateRecord[],
	now: number,
): Promise<boolean> {
	const ref = { tenantId, batchId: p.batchId, line: p.line };
	const quota = await reserveTokens(env, p);
	if (!quota.run) {
		if (quota.never !== null) {
			await store.settle({
				...ref,
				state: "failed",
				resultJson: errorLine(p.customId, "request_exceeds_daily_quota", quota.never),
			});
		}
		return false;
	}
	const permit =
		quota.permitId === null || p.quota === null ? null : { keyId: p.quota.keyId, permitId: quota.permitId };
	for (const candidate of candidates) {
		const jobId = randomId("job_");
		if (!(await store.dispatched({ ...ref, jobId, zoneId: candidate.zoneId, permitId: quota.permitId }))) {
			await settleTokens(env, permit, 0);
			return false;
		}
		const routing = decisionRecord(
			context,
			{ strategy: "carbon", policy: context.policy, candidates, excluded: [], nearest: null },
			candidate,
			[],
		);
		const result = await geozoneStub(env, candidate.zoneId, candidate.locationHint)
			.submitAsync({
				zoneId: candidate.zoneId,
				jobId,
				tenantId,
				model: p.model,
				requestJson: p.requestJson,
				stream: false,
				receivedAt: now,
				routingJson: JSON.stringify({ ...routing, batch: { id: p.batchId, line: p.line } }),
				kind: "async",
				expiresAt: p.expiresAt,
			})
			.catch((err: unknown) => {
				log("error", "batch_submit_failed", {
					tenant: tenantId,
					batch: p.batchId,
					line: p.line,
					zone: candidate.zoneId,
					error: err,
				});
				return null;
			});
		if (result?.accepted) return true;
		// Refused (or unknown: the next tick's getJob tells): back to pending and on to the next zone.
		if (result === null) return true;
		await store.requeue(ref);
	}
	// Every zone refused it: the reservation goes back until the request is dispatched again.
	await settleTokens(env, permit, 0);
	return false;
}

/** Writes a finished batch's output and error files and ends it. */
async function writeFiles(env: Env, store: Store, tenantId: string, batchId: string, now: number): Promise<void> {
	const { output, errors } = await store.results({ tenantId, batchId });
	const write = async (lines: string[], suffix: string) =>
		lines.length === 0
			? null
			: (
					await putFile(env.FILES, tenantId, {
						filename: `${batchId}_${suffix}.jsonl`,
						purpose: "batch_output",
						body: `${lines.join("\n")}\n`,
					})
				).id;
	const outputFileId = await write(output, "output");
	const errorFileId = await write(errors, "error");
	await store.finalize({ tenantId, batchId, outputFileId, errorFileId, now });
}
