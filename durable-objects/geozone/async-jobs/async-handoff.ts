/**
 * Hands a queued async job on to another zone when its own zone lost every
 * node for its model (zone-handback.ts). Each step is safe to repeat after a
 * crash, so a job is never lost nor run in two zones:
 *  1. the row is marked `handoff_zone = target`: no poll here takes it any more;
 *  2. D1 `async_jobs.zone_id` is moved to the target (compare-and-set; already
 *     there counts), so GET/DELETE /v1/jobs and any retry go there;
 *  3. the target's submitAsync (idempotent by job id) accepts it;
 *  4. the row is deleted here (the target now holds the only copy).
 * A refusal undoes 2 and 1 and the next candidate is tried; an RPC whose
 * outcome is unknown leaves the mark, and the next alarm asks the same target
 * again. When no candidate takes it, the job fails with `no_capacity` (its
 * webhook reports it). The candidates are the routing record's, in order:
 * the zones that met the request's hard constraints when it was routed.
 */

import { placedZoneStub } from "../../../src/protocol/geozone-placement.js";
import { log } from "../../../src/protocol/log-line.js";
import { routingDecisionSchema } from "../../../src/protocol/routing-decision.js";
import { traceIdOf } from "../../../src/protocol/trace-context.js";
import type { SubmitJobInput } from "../contract.js";
import { getJob, type JobRow } from "../jobs/job-queue.js";
import { failJob } from "../jobs/job-transitions.js";
import { hasLiveNodeFor } from "../nodes/node-table.js";
import type { ZoneState } from "../zone-state.js";
import { claimedZone, claimZone } from "./async-job-claims.js";

/** What the alarm did with the async jobs it handed on. */
export interface HandoffReport {
	moved: string[];
	failed: string[];
	/** Left for the next alarm: a target's answer was lost, or the zone serves the model again. */
	pending: string[];
}

type HandoffEnv = Pick<Env, "DB" | "GEOZONE" | "GEOZONE_EU_ZONES">;

/** Hands each listed job on (sequentially: a handful per alarm at most). */
export async function handOffAsyncJobs(
	state: ZoneState,
	env: HandoffEnv,
	zoneId: string,
	jobIds: readonly string[],
): Promise<HandoffReport> {
	const report: HandoffReport = { moved: [], failed: [], pending: [] };
	for (const jobId of jobIds) {
		const outcome = await handOff(state, env, zoneId, jobId);
		if (outcome !== "gone") report[outcome].push(jobId);
	}
	return report;
}

async function handOff(
	state: ZoneState,
	env: HandoffEnv,
	zoneId: string,
	jobId: string,
): Promise<"moved" | "failed" | "pending" | "gone"> {
	const first = getJob(state.sql, jobId);
	if (first?.status !== "queued" || first.kind !== "async") return "gone";
	const db = env.DB;
	const targets = candidateZones(first, zoneId);
	const ids = { job: jobId, zone: zoneId, tenant: first.tenant_id, trace: traceIdOf(first.traceparent) };
	for (const target of targets) {
		state.sql.exec("UPDATE jobs SET handoff_zone = ? WHERE job_id = ? AND status = 'queued'", target, jobId);
		const row = getJob(state.sql, jobId);
		if (row?.status !== "queued") return "gone";
		let claimed: boolean;
		try {
			// D1 names this zone, or already the target (an earlier alarm claimed it and then stopped).
			claimed = (await claimZone(db, jobId, zoneId, target)) || (await claimedZone(db, jobId)) === target;
		} catch (error) {
			log("error", "handoff_claim_failed", { ...ids, target, error });
			return "pending";
		}
		if (!claimed) break;
		let accepted: boolean;
		try {
			accepted = (await zoneStub(env, target).submitAsync(handoffInput(row, zoneId, target))).accepted;
		} catch (error) {
			// The target may have written the job: ask it again at the next alarm (submitAsync is idempotent).
			log("error", "handoff_failed", { ...ids, target, error });
			return "pending";
		}
		if (accepted) {
			const after = getJob(state.sql, jobId);
			// Cancelled here while the target was being asked: cancel it there too.
			if (after && after.status === "cancelled") {
				await zoneStub(env, target)
					.cancelForTenant(target, jobId, row.tenant_id)
					.catch((error: unknown) => log("error", "handoff_cancel_failed", { ...ids, target, error }));
			}
			state.sql.exec("DELETE FROM job_output WHERE job_id = ?", jobId);
			state.sql.exec("DELETE FROM jobs WHERE job_id = ?", jobId);
			return "moved";
		}
		try {
			await claimZone(db, jobId, target, zoneId);
		} catch (error) {
			log("error", "handoff_claim_back_failed", { ...ids, target, error });
			return "pending";
		}
		state.sql.exec("UPDATE jobs SET handoff_zone = NULL WHERE job_id = ?", jobId);
	}
	state.sql.exec("UPDATE jobs SET handoff_zone = NULL WHERE job_id = ?", jobId);
	if (hasLiveNodeFor(state, first.model, first.endpoint)) return "pending";
	const tried = targets.length > 0 ? ` (tried ${targets.join(", ")})` : "";
	failJob(
		state,
		jobId,
		"failed",
		"no_capacity",
		`The zone lost every node serving model ${JSON.stringify(first.model)} on /v1/${first.endpoint} and no other zone took the job${tried}.`,
	);
	return "failed";
}

/** The zones to try, best first: one the job is already being handed to, then the routing record's candidates. */
function candidateZones(row: JobRow, zoneId: string): string[] {
	const decision = routingDecisionSchema.safeParse(safeJson(row.routing));
	const recorded = decision.success ? decision.data.candidates.map((c) => c.zoneId) : [];
	const ordered = row.handoff_zone === null ? recorded : [row.handoff_zone, ...recorded];
	return [...new Set(ordered)].filter((z) => z !== zoneId);
}

/** The job as its new zone must hold it: same id, request, webhook, retention and deadline. */
function handoffInput(row: JobRow, from: string, to: string): SubmitJobInput {
	const decision = routingDecisionSchema.safeParse(safeJson(row.routing));
	const routing = decision.success
		? {
				...decision.data,
				chosenZoneId: to,
				refused: [...decision.data.refused, { zoneId: from, reason: "handed_back:no_live_node" }],
			}
		: { handedOffFrom: from };
	return {
		zoneId: to,
		jobId: row.job_id,
		tenantId: row.tenant_id,
		model: row.model,
		requestJson: row.request,
		stream: false,
		receivedAt: row.received_at,
		routingJson: JSON.stringify(routing),
		kind: "async",
		...(row.api_key_id !== null ? { apiKeyId: row.api_key_id } : {}),
		...(row.webhook_url !== null
			? { webhook: { url: row.webhook_url, ...(row.webhook_secret !== null ? { secret: row.webhook_secret } : {}) } }
			: {}),
		...(row.expires_at !== null ? { expiresAt: row.expires_at } : {}),
		...(row.first_token_deadline_at !== null
			? { timeoutMs: Math.max(1, row.first_token_deadline_at - row.received_at) }
			: {}),
	};
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}

/** The target zone's object (it exists already: the router only lists zones that have one). */
function zoneStub(env: HandoffEnv, zoneId: string) {
	return placedZoneStub(env.GEOZONE, env.GEOZONE_EU_ZONES, zoneId);
}
