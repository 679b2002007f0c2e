/**
 * The zone's job rows in SQLite: insertion, lookup and the FIFO queue. A job
 * is accepted only once its row is written here.
 */
import type { InferenceRequest } from "../../../src/protocol/agent-wire.js";
import type { OpenAiEndpoint } from "../../../src/protocol/model-serving.js";
import { formatTraceparent, newTrace } from "../../../src/protocol/trace-context.js";
import type { SubmitJobInput } from "../contract.js";
import { requestEndpoint, type ServedEndpoints, servesAll } from "../nodes/node-serving.js";

export type JobStatus = "queued" | "leased" | "running" | "succeeded" | "failed" | "cancelled" | "expired";

/** Statuses in which a node holds the job under a lease. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ["leased", "running"];

/** Statuses after which nothing changes any more. */
export const TERMINAL_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "cancelled", "expired"];

export type JobRow = {
	job_id: string;
	tenant_id: string;
	model: string;
	request: string;
	stream: number;
	status: JobStatus;
	attempts: number;
	lease_id: string | null;
	node_id: string | null;
	lease_expires_at: number | null;
	next_seq: number;
	has_output: number;
	received_at: number;
	leased_at: number | null;
	first_token_at: number | null;
	finished_at: number | null;
	prompt_tokens: number | null;
	completion_tokens: number | null;
	finish_reason: string | null;
	error_code: string | null;
	error_message: string | null;
	routing: string;
	history_pending: number;
	/** The energy estimate, set when the job succeeded (schema v2). */
	est_energy_j: number | null;
	est_gco2: number | null;
	est_gpu_class: string | null;
	/** The energy the node measured (J), set when it sent one with done (schema v5). */
	measured_energy_j: number | null;
	/** sync (a client waits on the stream) or async (POST /v1/jobs) (schema v3). */
	kind: "sync" | "async";
	/** The API key the job came with; null for the dev key (schema v3). */
	api_key_id: string | null;
	/** Async jobs: where and how to announce completion (schema v3). */
	webhook_url: string | null;
	webhook_secret: string | null;
	/** null (no webhook), pending, delivered or failed (schema v3). */
	webhook_status: string | null;
	webhook_attempts: number;
	webhook_next_at: number | null;
	/** When a finished job and its output are deleted (epoch ms); null uses the zone's default (schema v3). */
	expires_at: number | null;
	/** When the job, still queued, ends with `timeout`; null: no queue deadline (schema v4, job-deadlines.ts). */
	queue_deadline_at: number | null;
	/** When the job, still without output, ends with `timeout` (schema v4). */
	first_token_deadline_at: number | null;
	/** Async jobs: the zone this queued job is being handed to; no poll takes it meanwhile (schema v4, async-handoff.ts). */
	handoff_zone: string | null;
	/** An unstreamed job's backend response as JSON text, relayed as it came (schema v5, ADR 0016). */
	response: string | null;
	/** The job's W3C traceparent; null only for jobs written before schema v7. */
	traceparent: string | null;
	/** The endpoint the job runs on; only a node serving it for the model leases the job (schema v8). */
	endpoint: OpenAiEndpoint;
};

/** The job with its traceparent: the one it came with, or a new trace when the caller sent none. */
export function withTrace<T extends SubmitJobInput>(input: T): T & { traceparent: string } {
	return { ...input, traceparent: input.traceparent ?? formatTraceparent(newTrace()) };
}

/** A new job's deadlines (epoch ms), null where it has none. */
export interface JobDeadlines {
	queueBy: number | null;
	firstTokenBy: number | null;
}

/**
 * The zone's SQLite handles whose queue is known to hold no job: set only
 * where the caller has just seen the whole queue emptied, cleared by every
 * write that queues a job (insertJob, markQueued). A poll with an empty queue
 * then needs no query: the queue read was the dearest statement of a poll.
 */
const emptyQueues = new WeakSet<SqlStorage>();

/** Says that a job was queued (new or handed back): the queue is no longer known to be empty. */
export function markQueued(sql: SqlStorage): void {
	emptyQueues.delete(sql);
}

/** Says that the queue holds no job now (the caller just leased the only one). */
export function markQueueEmpty(sql: SqlStorage): void {
	emptyQueues.add(sql);
}

/** The lease a new job is written with when a poll took it before it was written (dispatch.ts, takeFresh). */
export interface FirstLease {
	nodeId: string;
	leaseId: string;
	leaseExpiresAt: number;
	leasedAt: number;
}

/**
 * Writes a new job: queued, or already under its first lease. Throws if the job id is already known
 * to the zone (the UNIQUE index refuses the row, and nothing is written).
 */
export function insertJob(sql: SqlStorage, input: SubmitJobInput, lease?: FirstLease, deadlines?: JobDeadlines): void {
	if (!lease) markQueued(sql);
	try {
		writeJob(sql, input, lease, deadlines);
	} catch (error) {
		if (String(error).includes("UNIQUE constraint failed: jobs.job_id")) throw reusedJobId(input.jobId);
		throw error;
	}
}

/** Throws, naming the field, when the zone already holds a job `jobId` (one indexed read, no write). */
export function assertNewJobId(sql: SqlStorage, jobId: string): void {
	if (sql.exec("SELECT 1 FROM jobs WHERE job_id = ?", jobId).toArray().length > 0) throw reusedJobId(jobId);
}

function reusedJobId(jobId: string): Error {
	return new Error(`jobId: ${jobId} was already submitted to this zone; job ids must be unique`);
}

function writeJob(
	sql: SqlStorage,
	input: SubmitJobInput,
	lease: FirstLease | undefined,
	deadlines: JobDeadlines | undefined,
): void {
	sql.exec(
		`INSERT INTO jobs (job_id, tenant_id, model, request, stream, status, received_at, routing, kind, api_key_id,
		   webhook_url, webhook_secret, webhook_status, expires_at, attempts, lease_id, node_id, lease_expires_at, leased_at,
		   queue_deadline_at, first_token_deadline_at, traceparent, endpoint)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		input.jobId,
		input.tenantId,
		input.model,
		input.requestJson,
		input.stream ? 1 : 0,
		lease ? "leased" : "queued",
		input.receivedAt,
		input.routingJson,
		input.kind ?? "sync",
		input.apiKeyId ?? null,
		input.webhook?.url ?? null,
		input.webhook?.secret ?? null,
		// A webhook waits (pending) until the job ends; the alarm then delivers it.
		input.webhook ? "pending" : null,
		input.expiresAt ?? null,
		lease ? 1 : 0,
		lease?.leaseId ?? null,
		lease?.nodeId ?? null,
		lease?.leaseExpiresAt ?? null,
		lease?.leasedAt ?? null,
		deadlines?.queueBy ?? null,
		deadlines?.firstTokenBy ?? null,
		input.traceparent ?? null,
		submittedEndpoint(input),
	);
}

/** The endpoint a submitted job's request names. */
export function submittedEndpoint(input: Pick<SubmitJobInput, "requestJson">): OpenAiEndpoint {
	// The Worker validated the request before it submitted it.
	return requestEndpoint(JSON.parse(input.requestJson) as { endpoint?: unknown });
}

/** The job's row, or undefined. */
export function getJob(sql: SqlStorage, jobId: string): JobRow | undefined {
	return sql.exec<JobRow>("SELECT * FROM jobs WHERE job_id = ?", jobId).toArray()[0];
}

/** Queued jobs now. */
export function queueDepth(sql: SqlStorage): number {
	if (emptyQueues.has(sql)) return 0;
	const depth = sql.exec<{ n: number }>("SELECT count(*) AS n FROM jobs WHERE status = 'queued'").one().n;
	if (depth === 0) markQueueEmpty(sql);
	return depth;
}

/** What leasing a queued job reads of its row: not the routing record (every candidate zone), which it never needs. */
export type QueuedJob = Pick<JobRow, "job_id" | "model" | "request" | "attempts" | "received_at" | "traceparent">;

const QUEUED_COLUMNS = "job_id, model, request, attempts, received_at, traceparent";

/**
 * Up to `limit` queued jobs of the models and endpoints a node serves, oldest first;
 * a job being handed to another zone is left out.
 */
export function nextQueued(sql: SqlStorage, served: ServedEndpoints, limit: number): QueuedJob[] {
	if (served.size === 0 || limit < 1 || emptyQueues.has(sql)) return [];
	const [only] = served;
	// Most nodes serve one model on every endpoint: a plain equality uses the (status, model, seqno) index directly.
	if (served.size === 1 && only && servesAll(only[1])) {
		return sql
			.exec<QueuedJob>(
				`SELECT ${QUEUED_COLUMNS} FROM jobs WHERE status = 'queued' AND model = ? AND handoff_zone IS NULL
				 ORDER BY seqno LIMIT ?`,
				only[0],
				limit,
			)
			.toArray();
	}
	const pairs = [...served].flatMap(([model, endpoints]) => endpoints.map((endpoint) => [model, endpoint]));
	return sql
		.exec<QueuedJob>(
			`SELECT ${QUEUED_COLUMNS} FROM jobs WHERE status = 'queued' AND handoff_zone IS NULL
			   AND (model, endpoint) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?)) ORDER BY seqno LIMIT ?`,
			JSON.stringify(pairs),
			limit,
		)
		.toArray();
}

/** Whether a job for the model and endpoint is queued. */
export function hasQueued(sql: SqlStorage, model: string, endpoint: OpenAiEndpoint): boolean {
	return (
		sql
			.exec(
				"SELECT 1 FROM jobs WHERE status = 'queued' AND model = ? AND endpoint = ? AND handoff_zone IS NULL LIMIT 1",
				model,
				endpoint,
			)
			.toArray().length > 0
	);
}

/** Distinct models and endpoints of the queued jobs, oldest job first. */
export function queuedKinds(sql: SqlStorage): { model: string; endpoint: OpenAiEndpoint }[] {
	return sql
		.exec<{ model: string; endpoint: OpenAiEndpoint }>(
			`SELECT model, endpoint FROM jobs WHERE status = 'queued' AND handoff_zone IS NULL
			 GROUP BY model, endpoint ORDER BY min(seqno)`,
		)
		.toArray();
}

/** The inference request stored with a job. */
export function jobRequest(row: Pick<JobRow, "request">): InferenceRequest {
	return JSON.parse(row.request) as InferenceRequest;
}

/** Whether the status is terminal. */
export function isTerminal(status: JobStatus): boolean {
	return TERMINAL_STATUSES.includes(status);
}

/** Whether a node holds the job under this lease now. */
export function holdsLease(row: JobRow, nodeId: string, leaseId: string): boolean {
	return ACTIVE_STATUSES.includes(row.status) && row.node_id === nodeId && row.lease_id === leaseId;
}
