/**
 * Counts a job into the zone's metrics when it ends (in the same synchronous
 * call as its final UPDATE, so the two commit together) and when the zone
 * answers a submission. Labels are bounded: outcome, error code, direction
 * and tenant id; never a job id or free text.
 */
import type { SubmitJobResult } from "../contract.js";
import type { JobRow } from "../jobs/job-queue.js";
import { routingFigures } from "../jobs/routing-record.js";
import { ZONE_COUNTERS, ZONE_HISTOGRAMS } from "./contract.js";
import { addToCounter, observe } from "./metric-store.js";

/** What the metrics read of an ended job's row. */
export type EndedJob = Pick<
	JobRow,
	| "tenant_id"
	| "status"
	| "error_code"
	| "received_at"
	| "leased_at"
	| "first_token_at"
	| "finished_at"
	| "prompt_tokens"
	| "completion_tokens"
	| "est_energy_j"
	| "est_gco2"
	| "routing"
>;

const ENDED_COLUMNS = `tenant_id, status, error_code, received_at, leased_at, first_token_at, finished_at,
	prompt_tokens, completion_tokens, est_energy_j, est_gco2, routing`;

/** Joules per kWh. */
const J_PER_KWH = 3.6e6;

/** Reads the job's row and counts it; a job not in a terminal state is not counted. */
export function countEndedJob(sql: SqlStorage, jobId: string): void {
	const row = sql.exec<EndedJob>(`SELECT ${ENDED_COLUMNS} FROM jobs WHERE job_id = ?`, jobId).toArray()[0];
	if (row) countEnded(sql, row);
}

/**
 * Counts an ended job. Carbon against the nearest zone: (nearest intensity −
 * chosen intensity) × energy / 3.6e6 J/kWh, from its routing record; the
 * positive part is avoided, the negative part added (counters never fall).
 */
export function countEnded(sql: SqlStorage, row: EndedJob): void {
	if (!["succeeded", "failed", "cancelled", "expired"].includes(row.status)) return;
	addToCounter(sql, ZONE_COUNTERS.jobs, { outcome: row.status, code: row.error_code ?? "" });
	const tokensIn = row.prompt_tokens ?? 0;
	const tokensOut = row.completion_tokens ?? 0;
	addToCounter(sql, ZONE_COUNTERS.tokens, { direction: "in" }, tokensIn);
	addToCounter(sql, ZONE_COUNTERS.tokens, { direction: "out" }, tokensOut);
	addToCounter(sql, ZONE_COUNTERS.tenantTokens, { tenant: row.tenant_id, direction: "in" }, tokensIn);
	addToCounter(sql, ZONE_COUNTERS.tenantTokens, { tenant: row.tenant_id, direction: "out" }, tokensOut);
	if (row.leased_at !== null) observe(sql, ZONE_HISTOGRAMS.queueWait, {}, (row.leased_at - row.received_at) / 1000);
	if (row.first_token_at !== null)
		observe(sql, ZONE_HISTOGRAMS.ttft, {}, (row.first_token_at - row.received_at) / 1000);
	if (row.finished_at !== null) {
		observe(sql, ZONE_HISTOGRAMS.duration, { outcome: row.status }, (row.finished_at - row.received_at) / 1000);
	}
	const energyJ = row.est_energy_j;
	if (energyJ === null) return;
	addToCounter(sql, ZONE_COUNTERS.energy, {}, energyJ);
	if (row.est_gco2 !== null) addToCounter(sql, ZONE_COUNTERS.gco2, {}, row.est_gco2);
	const figures = routingFigures(row.routing);
	if (figures.nearestGco2PerKwh === null || figures.zoneGco2PerKwh === null) return;
	const saved = ((figures.nearestGco2PerKwh - figures.zoneGco2PerKwh) * energyJ) / J_PER_KWH;
	if (saved > 0) addToCounter(sql, ZONE_COUNTERS.carbonAvoided, {}, saved);
	else addToCounter(sql, ZONE_COUNTERS.carbonAdded, {}, -saved);
}

/** Counts a submission's answer, and the tenant's job when it was accepted (a replayed async submit is not new). */
export function countSubmission(
	sql: SqlStorage,
	tenantId: string,
	result: Pick<SubmitJobResult, "accepted"> & { reason?: string; replayed?: boolean },
): void {
	if (result.replayed) return;
	const answer = result.accepted ? "accepted" : (result.reason ?? "refused");
	addToCounter(sql, ZONE_COUNTERS.submissions, { result: answer });
	if (result.accepted) addToCounter(sql, ZONE_COUNTERS.tenantJobs, { tenant: tenantId });
}
