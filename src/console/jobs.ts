/**
 * GET /console/api/jobs (the latest jobs, filtered) and GET /console/api/jobs/:id
 * (one job's whole decision record), from D1 `jobs`.
 */
import type { Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../http/app-env.js";
import { NotFoundError } from "../http/errors.js";
import { validate } from "../http/validation.js";

const STATUSES = ["queued", "leased", "running", "succeeded", "failed", "cancelled", "expired"] as const;
const filterText = z.string().trim().min(1).max(128).optional();

const jobsQuerySchema = z.object({
	tenant: filterText,
	zone: filterText,
	model: filterText,
	status: z.enum(STATUSES).optional(),
	limit: z.coerce.number().int().min(1).max(500).default(100),
});

const COLUMNS = `id, tenant_id AS tenantId, model, zone_id AS zoneId, node_id AS nodeId, status, kind, stream,
  received_at AS receivedAt, leased_at AS leasedAt, first_token_at AS firstTokenAt, finished_at AS finishedAt,
  attempts, prompt_tokens AS promptTokens, completion_tokens AS completionTokens, finish_reason AS finishReason,
  error_code AS errorCode, error_message AS errorMessage, policy, est_latency_ms AS estLatencyMs,
  zone_gco2_per_kwh AS zoneGco2PerKwh, nearest_zone_id AS nearestZoneId, nearest_gco2_per_kwh AS nearestGco2PerKwh,
  est_energy_j AS estEnergyJ, est_gco2 AS estGco2, routing`;

type JobRow = Record<string, unknown> & { routing: string };

function withRouting(row: JobRow): Record<string, unknown> {
	let routing: unknown = null;
	try {
		routing = JSON.parse(row.routing);
	} catch {
		routing = null;
	}
	return { ...row, routing };
}

/** The latest jobs, newest first, filtered by tenant, zone, model and status. */
export async function listJobsHandler(c: Context<AppEnv>): Promise<Response> {
	const q = validate(jobsQuerySchema, c.req.query(), "query");
	const where: string[] = [];
	const binds: (string | number)[] = [];
	for (const [column, value] of [
		["tenant_id", q.tenant],
		["zone_id", q.zone],
		["model", q.model],
		["status", q.status],
	] as const) {
		if (value === undefined) continue;
		where.push(`${column} = ?`);
		binds.push(value);
	}
	const sql = `SELECT ${COLUMNS} FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY received_at DESC LIMIT ?`;
	const { results } = await c.env.DB.prepare(sql)
		.bind(...binds, q.limit)
		.all<JobRow>();
	return c.json({ data: results.map(withRouting) });
}

const jobIdSchema = z.string().min(1).max(128);

/** One job with its parsed routing record. */
export async function jobHandler(c: Context<AppEnv>): Promise<Response> {
	const id = validate(jobIdSchema, c.req.param("id"), "id");
	const row = await c.env.DB.prepare(`SELECT ${COLUMNS} FROM jobs WHERE id = ?`).bind(id).first<JobRow>();
	if (!row)
		throw new NotFoundError(
			`No job with id ${JSON.stringify(id)} in D1 (it is written once finished).`,
			"job_not_found",
		);
	return c.json(withRouting(row));
}
