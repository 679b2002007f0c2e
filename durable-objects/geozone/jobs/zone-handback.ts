/**
 * Hands back queued jobs whose model (on their endpoint) the zone no longer
 * serves: once the zone's last node serving a model's endpoint is gone for
 * ZONE_HANDBACK_MS, nothing here can run those queued jobs. A sync job (no output yet: only those are queued) ends
 * with `no_capacity`, a retryable cause, so the Worker holding its stream
 * submits it to the next candidate zone; an async job is handed to another
 * zone by the alarm (async-handoff.ts).
 */

import type { OpenAiEndpoint } from "../../../src/protocol/model-serving.js";
import { hasLiveNodeFor, nodesServing } from "../nodes/node-table.js";
import { readMeta, writeMeta } from "../schema.js";
import type { ZoneState } from "../zone-state.js";
import { failJob } from "./job-transitions.js";

/** What the handback found: the sync jobs it ended, the async jobs to hand on, and the next time it is due. */
export interface Handback {
	syncHandedBack: string[];
	asyncToHandOff: string[];
	nextAt: number | null;
}

/**
 * When the zone last had a live node serving `endpoint` for `model`: the last one's sighting plus the
 * liveness window. With no node row for it at all, the oldest such queued job's arrival, so the grace still applies.
 */
function lastServedAt(state: ZoneState, model: string, endpoint: OpenAiEndpoint): number {
	const seen = nodesServing(state, model, endpoint).map((row) => row.last_seen_at);
	if (seen.length > 0) return Math.max(...seen) + state.config.nodeLiveMs;
	return state.sql
		.exec<{ at: number }>(
			"SELECT min(received_at) AS at FROM jobs WHERE status = 'queued' AND model = ? AND endpoint = ?",
			model,
			endpoint,
		)
		.one().at;
}

/**
 * Ends the queued sync jobs of every model and endpoint with no live node since ZONE_HANDBACK_MS, and lists the
 * async ones to hand on (with those already being handed on, so an interrupted handoff resumes).
 */
export function handBackOrphans(state: ZoneState): Handback {
	const now = state.now();
	const result: Handback = { syncHandedBack: [], asyncToHandOff: [], nextAt: null };
	const kinds = state.sql
		.exec<{ model: string; endpoint: OpenAiEndpoint }>(
			"SELECT DISTINCT model, endpoint FROM jobs WHERE status = 'queued' AND handoff_zone IS NULL",
		)
		.toArray();
	for (const { model, endpoint } of kinds) {
		if (state.waiters.serves(model, endpoint) || hasLiveNodeFor(state, model, endpoint)) continue;
		const dueAt = lastServedAt(state, model, endpoint) + state.config.zoneHandbackMs;
		if (dueAt > now) {
			result.nextAt = result.nextAt === null ? dueAt : Math.min(result.nextAt, dueAt);
			continue;
		}
		const jobs = state.sql
			.exec<{ job_id: string; kind: string }>(
				`SELECT job_id, kind FROM jobs WHERE status = 'queued' AND model = ? AND endpoint = ? AND handoff_zone IS NULL
				 ORDER BY seqno`,
				model,
				endpoint,
			)
			.toArray();
		for (const job of jobs) {
			if (job.kind === "async") {
				result.asyncToHandOff.push(job.job_id);
				continue;
			}
			failJob(
				state,
				job.job_id,
				"failed",
				"no_capacity",
				`The zone has had no live node serving model ${JSON.stringify(model)} on /v1/${endpoint} for ${now - dueAt + state.config.zoneHandbackMs} ms; the job was handed back to be tried in another zone.`,
			);
			result.syncHandedBack.push(job.job_id);
		}
	}
	const resuming = state.sql
		.exec<{ job_id: string }>("SELECT job_id FROM jobs WHERE status = 'queued' AND handoff_zone IS NOT NULL")
		.toArray();
	result.asyncToHandOff.push(...resuming.map((r) => r.job_id));
	return result;
}

const DUE_KEY = "handback_due_at";

/** Records (in the alarm) when the handback is next due: a model's grace ending, or a handoff to retry. */
export function planHandback(state: ZoneState, at: number | null): void {
	const value = at === null ? "" : String(at);
	if (readMeta(state.sql, DUE_KEY) !== value) writeMeta(state.sql, DUE_KEY, value);
}

/** When the handback is next due, or null. Cheap: read on every re-plan. */
export function handbackDueAt(state: ZoneState): number | null {
	const value = readMeta(state.sql, DUE_KEY);
	return value === null || value === "" ? null : Number(value);
}
