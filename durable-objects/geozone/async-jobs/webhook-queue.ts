/**
 * The zone's webhook outbox: async jobs that ended with a webhook still
 * pending are delivered from the alarm, the attempt count and next try kept
 * in SQLite so retries survive an eviction. The body is the same job object
 * GET /v1/jobs/{id} answers. A URL whose host is not public (checked again
 * before each attempt) fails at once without a request.
 */
import { jobObject } from "../../../src/protocol/job-object.js";
import { log } from "../../../src/protocol/log-line.js";
import { traceIdOf } from "../../../src/protocol/trace-context.js";
import { refusedWebhookTarget } from "../../../src/protocol/webhook-address.js";
import type { AsyncJobConfig } from "../config.js";
import { getJob } from "../jobs/job-queue.js";
import type { ZoneState } from "../zone-state.js";
import { asyncJobView } from "./async-job-ops.js";
import { afterAttempt, deliverOnce } from "./webhook-delivery.js";

/** Most webhooks posted by one alarm; the rest follow at the next. */
const WEBHOOKS_PER_ALARM = 20;

type Fetcher = (url: string, init: RequestInit) => Promise<Response>;

/** Delivers the due webhooks once each; returns the job ids delivered and those given up. */
export async function deliverDueWebhooks(
	state: ZoneState,
	config: AsyncJobConfig,
	zoneId: string,
	fetcher?: Fetcher,
): Promise<{ delivered: string[]; failed: string[] }> {
	const now = state.now();
	const due = state.sql
		.exec<{ job_id: string }>(
			`SELECT job_id FROM jobs WHERE webhook_status = 'pending' AND finished_at IS NOT NULL
			   AND coalesce(webhook_next_at, finished_at) <= ? ORDER BY finished_at LIMIT ?`,
			now,
			WEBHOOKS_PER_ALARM,
		)
		.toArray();
	const delivered: string[] = [];
	const failed: string[] = [];
	for (const { job_id: jobId } of due) {
		const row = getJob(state.sql, jobId);
		if (!row?.webhook_url) continue;
		const view = asyncJobView(state, config, zoneId, jobId, row.tenant_id);
		const body = view
			? JSON.stringify(jobObject(view))
			: JSON.stringify({ id: jobId, object: "job", status: row.status });
		const refused = refusedWebhookTarget(row.webhook_url, config.webhookAllowLoopbackHttp);
		const ids = { job: jobId, zone: zoneId, tenant: row.tenant_id, trace: traceIdOf(row.traceparent) };
		if (refused !== null) log("error", "webhook_refused", { ...ids, reason: refused });
		const ok =
			refused === null &&
			(await deliverOnce(
				{ jobId, url: row.webhook_url, secret: row.webhook_secret, body, logFields: ids },
				now,
				fetcher,
			));
		const attempts = row.webhook_attempts + 1;
		// A refused destination never becomes acceptable by waiting: it fails at once.
		const next = afterAttempt(
			ok,
			refused === null ? attempts : config.webhookMaxAttempts,
			config.webhookMaxAttempts,
			state.now(),
		);
		state.sql.exec(
			"UPDATE jobs SET webhook_status = ?, webhook_attempts = ?, webhook_next_at = ? WHERE job_id = ?",
			next.status,
			attempts,
			next.nextAt,
			jobId,
		);
		if (next.status === "delivered") delivered.push(jobId);
		else if (next.status === "failed") {
			failed.push(jobId);
			log("error", "webhook_failed", { ...ids, attempts });
		}
	}
	return { delivered, failed };
}

/** When the next pending webhook is due, or null. */
export function nextWebhookAt(state: ZoneState): number | null {
	const row = state.sql
		.exec<{ at: number | null }>(
			`SELECT min(coalesce(webhook_next_at, finished_at)) AS at FROM jobs
			 WHERE webhook_status = 'pending' AND finished_at IS NOT NULL`,
		)
		.one();
	return row.at;
}
