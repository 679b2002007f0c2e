/**
 * The handlers of POST, GET and DELETE /v1/jobs. A job id is looked up in D1
 * for the caller's tenant, then read from (or cancelled in) its zone; another
 * tenant's job, an unknown one and an expired one all answer the same 404.
 */
import type { Context } from "hono";
import { randomId, sha256Hex } from "../auth/crypto.js";
import { deleteAsyncJob, findAsyncJob, findByIdempotencyKey, insertAsyncJob } from "../db/async-jobs.js";
import { database } from "../db/client.js";
import type { AppEnv } from "../http/app-env.js";
import { ApiError, ConflictError, NotFoundError } from "../http/errors.js";
import { parseJsonText } from "../http/validation.js";
import { requireAdmission } from "../limits/middleware.js";
import { parseAsyncJobConfig } from "../protocol/async-job-config.js";
import { toInferenceRequest } from "../protocol/inference-request.js";
import { jobObject, queuedJobObject } from "../protocol/job-object.js";
import { clientLocation } from "../routing/client-location.js";
import { geozoneStub } from "../routing/geozone-stub.js";
import { requestPreferences } from "../routing/request-preferences.js";
import { assertModelKnown } from "../routing/request-targets.js";
import { requestTimeoutMs } from "../routing/request-timeout.js";
import { policyRouter } from "../routing/router.js";
import { dispatchAsyncJob } from "./async-dispatch.js";
import { canonicalJson } from "./canonical-json.js";
import { parseCreateJobBody, parseIdempotencyKey } from "./job-request.js";

/** POST /v1/jobs: 202 with the queued job; a replayed Idempotency-Key answers 200 with `Idempotent-Replayed: true`. */
export async function createJobHandler(c: Context<AppEnv>): Promise<Response> {
	const config = parseAsyncJobConfig(c.env);
	const raw = parseJsonText(await c.req.text());
	const body = parseCreateJobBody(raw, config.webhookAllowLoopbackHttp);
	const key = parseIdempotencyKey(c.req.header("idempotency-key"));
	const client = c.get("client");
	const db = database(c.env);
	const requestHash = await sha256Hex(canonicalJson(body));
	const receivedAt = Date.now();
	let jobId = randomId("job_");
	let claimed: string | null = null;
	let replay = false;
	let expiresAt = receivedAt + config.jobRetentionMs;

	// Model and region checks (403) come before the Idempotency-Key is claimed, so a refusal records nothing.
	const preferences = await requestPreferences(
		c.env,
		c.req.raw.headers,
		body.request.arcnet,
		client,
		body.request.model,
	);
	const timeoutMs = requestTimeoutMs(c.env, c.req.raw.headers, body.request.arcnet);
	// The key's limits were asked when the request arrived; nothing is recorded before they admit it.
	await requireAdmission(c);
	await assertModelKnown(c.env, body.request.model);
	const row = { tenantId: client.tenantId, model: body.request.model, idempotencyKey: key ?? null, requestHash };
	if (!(await insertAsyncJob(db, { ...row, id: jobId, createdAt: receivedAt, expiresAt }))) {
		const existing = key === undefined ? undefined : await findByIdempotencyKey(db, client.tenantId, key);
		if (!existing) throw new ApiError(500, "Could not record the job; retry.", { code: "internal_error" });
		if (existing.requestHash !== requestHash) {
			throw new ApiError(422, "This Idempotency-Key was already used with a different request body.", {
				type: "invalid_request_error",
				param: "Idempotency-Key",
				code: "idempotency_key_reused",
			});
		}
		jobId = existing.id;
		claimed = existing.zoneId;
		expiresAt = existing.expiresAt;
		replay = true;
	}

	const tokens = (value: unknown) => (typeof value === "number" ? value : undefined);
	const expectedTokens = tokens(body.request.max_tokens) ?? tokens(body.request.max_completion_tokens);
	const context = {
		model: body.request.model,
		tenantId: client.tenantId,
		client: clientLocation(c.req.raw.cf, c.env),
		...preferences,
		...(expectedTokens !== undefined ? { expectedTokens } : {}),
	};
	const job = {
		jobId,
		tenantId: client.tenantId,
		model: body.request.model,
		requestJson: JSON.stringify(toInferenceRequest(body.endpoint, body.request)),
		stream: false,
		receivedAt,
		traceparent: c.get("trace").traceparent,
		kind: "async" as const,
		expiresAt,
		...(timeoutMs !== undefined ? { timeoutMs } : {}),
		...(client.keyId !== null ? { apiKeyId: client.keyId } : {}),
		...(body.webhook ? { webhook: body.webhook } : {}),
	};
	let zoneId: string;
	let replayed: boolean;
	try {
		({ zoneId, replayed } = await dispatchAsyncJob(c.env, db, policyRouter, context, job, claimed));
	} catch (error) {
		// A job no zone took (and no retry can resume) is forgotten; a keyed one stays for the retry.
		if (!replay && key === undefined) await deleteAsyncJob(db, jobId).catch(() => undefined);
		throw error;
	}
	c.set("jobStarted", true); // the zone holds the job: it runs whether or not this client stays
	const location = { location: `/v1/jobs/${jobId}` };
	if (replay || replayed) {
		const view = await geozoneStub(c.env, zoneId).getJob(zoneId, jobId, client.tenantId);
		const object = view
			? jobObject(view)
			: queuedJobObject({ id: jobId, model: job.model, zoneId, receivedAt, expiresAt });
		return c.json(object, 200, { ...location, "idempotent-replayed": "true" });
	}
	return c.json(queuedJobObject({ id: jobId, model: job.model, zoneId, receivedAt, expiresAt }), 202, location);
}

/** GET /v1/jobs/{id}: the job object with its status and result. */
export async function getJobHandler(c: Context<AppEnv>): Promise<Response> {
	const { zoneId, jobId, tenantId } = await locate(c);
	const view = await geozoneStub(c.env, zoneId).getJob(zoneId, jobId, tenantId);
	if (!view) throw notFound(jobId);
	return c.json(jobObject(view));
}

/** DELETE /v1/jobs/{id}: cancels a queued or running job; 409 job_finished once it ended. */
export async function cancelJobHandler(c: Context<AppEnv>): Promise<Response> {
	const { zoneId, jobId, tenantId } = await locate(c);
	const result = await geozoneStub(c.env, zoneId).cancelForTenant(zoneId, jobId, tenantId);
	if (result.outcome === "not_found") throw notFound(jobId);
	if (result.outcome === "finished") {
		const status = result.status === "leased" ? "running" : result.status;
		throw new ConflictError(`Job ${jobId} already finished with status ${status}.`, "job_finished");
	}
	return c.json(jobObject(result.job));
}

async function locate(c: Context<AppEnv>): Promise<{ zoneId: string; jobId: string; tenantId: string }> {
	const jobId = c.req.param("id") ?? "";
	const tenantId = c.get("client").tenantId;
	if (!/^job_[a-z0-9]{16,40}$/.test(jobId)) throw notFound(jobId);
	const record = await findAsyncJob(database(c.env), jobId, tenantId);
	if (!record || record.zoneId === null || record.expiresAt <= Date.now()) throw notFound(jobId);
	return { zoneId: record.zoneId, jobId, tenantId };
}

/** One message for unknown, other tenants' and expired jobs alike. */
function notFound(jobId: string): NotFoundError {
	return new NotFoundError(`No job with id ${JSON.stringify(jobId.slice(0, 80))}.`, "job_not_found");
}
