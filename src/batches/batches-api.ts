/**
 * The Batches endpoints: POST /v1/batches, GET /v1/batches/{id},
 * POST /v1/batches/{id}/cancel and GET /v1/batches. A batch is validated
 * here (its file read and parsed line by line), stored in the tenant's
 * BatchStoreDO, and run by the scheduler's tick (batch-tick.ts), which the
 * cron drives and every call here nudges.
 */
import type { Context } from "hono";
import * as z from "zod";
import { randomId } from "../auth/crypto.js";
import { modelAllowed } from "../auth/key-restrictions.js";
import type { AppEnv } from "../http/app-env.js";
import { ApiError, InvalidRequestError } from "../http/errors.js";
import { describeValue, jsonBody, validate } from "../http/validation.js";
import { defaultLimits, limiterKeyId, resolveLimits } from "../limits/resolve.js";
import { createBatchBodySchema } from "../protocol/batch-request.js";
import { BATCH_LINE_SCHEMAS, type BatchEndpoint, errorLine, parseBatchInput } from "./batch-input.js";
import { batchObject } from "./batch-object.js";
import { batchRegistry, batchStore } from "./batch-stub.js";
import { tickTenant } from "./batch-tick.js";
import { getFileBody } from "./file-store.js";
import { fileNotFound } from "./files-api.js";

/** Endpoints a batch may target: the ones this edge serves. */
export const BATCH_ENDPOINTS = Object.keys(BATCH_LINE_SCHEMAS) as BatchEndpoint[];
/** Endpoints OpenAI offers that this edge refuses by name. */
const UNSERVED_ENDPOINTS = new Set(["/v1/responses"]);
/** Most lines an input file may hold (OpenAI's limit). */
export const MAX_BATCH_LINES = 50_000;

const listSchema = z.object({
	after: z.string().max(100).optional(),
	limit: z.coerce.number().int().min(1).max(100).default(20),
});

function windowsOf(env: Env): Map<string, number> {
	const out = new Map<string, number>();
	for (const w of env.BATCH_COMPLETION_WINDOWS.split(",")) {
		const match = /^(\d{1,3})h$/.exec(w.trim());
		if (match) out.set(w.trim(), Number(match[1]) * 3_600_000);
	}
	return out;
}

function batchNotFound(id: string): ApiError {
	return new ApiError(404, `No batch found with id ${JSON.stringify(id.slice(0, 80))}.`, {
		type: "invalid_request_error",
		param: "batch_id",
		code: "batch_not_found",
	});
}

/** POST /v1/batches. */
export async function createBatchHandler(c: Context<AppEnv>): Promise<Response> {
	const body = await jsonBody(c, createBatchBodySchema);
	const tenantId = c.get("client").tenantId;
	const endpoint = BATCH_ENDPOINTS.find((e) => e === body.endpoint);
	if (endpoint === undefined) {
		const why = UNSERVED_ENDPOINTS.has(body.endpoint) ? " (not served by this edge yet)" : "";
		throw new InvalidRequestError(
			`endpoint: expected one of ${BATCH_ENDPOINTS.map((e) => JSON.stringify(e)).join(", ")}, got ${describeValue(body.endpoint)}${why}`,
			"endpoint",
			"invalid_value",
		);
	}
	const windows = windowsOf(c.env);
	const windowMs = windows.get(body.completion_window);
	if (windowMs === undefined) {
		throw new InvalidRequestError(
			`completion_window: expected one of ${[...windows.keys()].map((w) => JSON.stringify(w)).join(", ")}, got ${describeValue(body.completion_window)}`,
			"completion_window",
			"invalid_value",
		);
	}
	const file = await getFileBody(c.env.FILES, tenantId, body.input_file_id);
	if (!file) throw fileNotFound(body.input_file_id, "input_file_id");
	if (file.customMetadata?.purpose !== "batch") {
		throw new InvalidRequestError(
			`input_file_id: expected a file with purpose "batch", got purpose ${describeValue(file.customMetadata?.purpose ?? null)}`,
			"input_file_id",
			"invalid_value",
		);
	}
	const client = c.get("client");
	// A model the API key may not use goes to the error file, like any other bad line.
	const lines = parseBatchInput(await file.text(), endpoint).map((l) =>
		l.model !== null && !modelAllowed(client, l.model)
			? {
					...l,
					requestJson: null,
					errorJson: errorLine(
						l.customId,
						"model_not_allowed",
						`line ${l.line}: this API key may not use model ${JSON.stringify(l.model)}; it may use ${JSON.stringify(client.allowedModels)}`,
						l.line,
					),
				}
			: l,
	);
	if (lines.length === 0 || lines.length > MAX_BATCH_LINES) {
		throw new InvalidRequestError(
			`input_file_id: expected a file of 1 to ${MAX_BATCH_LINES} requests, got ${lines.length}`,
			"input_file_id",
			"invalid_value",
		);
	}
	const now = Date.now();
	const record = await batchStore(c.env, tenantId).create({
		id: randomId("batch_"),
		tenantId,
		endpoint: body.endpoint,
		inputFileId: body.input_file_id,
		completionWindow: body.completion_window,
		defer: body.arcnet?.defer ?? true,
		createdAt: now,
		expiresAt: now + windowMs,
		metadata: body.metadata ?? null,
		allowedRegions: client.allowedRegions === null ? null : [...client.allowedRegions],
		// Batch requests count against the key's daily tokens, not its rate or concurrency (batch-quota.ts).
		quota: {
			keyId: limiterKeyId(client.keyId),
			dailyTokens: resolveLimits(client.limits, defaultLimits(c.env)).dailyTokens,
		},
		lines,
	});
	await batchRegistry(c.env).setActive(tenantId, true);
	c.executionCtx.waitUntil(tickTenant(c.env, tenantId));
	return c.json(batchObject(record));
}

/** GET /v1/batches/{id}. */
export async function getBatchHandler(c: Context<AppEnv>): Promise<Response> {
	const tenantId = c.get("client").tenantId;
	const id = c.req.param("id") ?? "";
	const store = batchStore(c.env, tenantId);
	const before = await store.get({ tenantId, batchId: validId(id) });
	if (!before) throw batchNotFound(id);
	// A poll hurries the scheduler along; the cron tick is what guarantees progress.
	if (before.status === "in_progress" || before.status === "cancelling") await tickTenant(c.env, tenantId);
	const record = (await store.get({ tenantId, batchId: id })) ?? before;
	return c.json(batchObject(record));
}

/** POST /v1/batches/{id}/cancel. */
export async function cancelBatchHandler(c: Context<AppEnv>): Promise<Response> {
	const tenantId = c.get("client").tenantId;
	const id = c.req.param("id") ?? "";
	const record = await batchStore(c.env, tenantId).cancel({ tenantId, batchId: validId(id) });
	if (!record) throw batchNotFound(id);
	c.executionCtx.waitUntil(tickTenant(c.env, tenantId));
	return c.json(batchObject(record));
}

/** GET /v1/batches?after&limit: newest first. */
export async function listBatchesHandler(c: Context<AppEnv>): Promise<Response> {
	const tenantId = c.get("client").tenantId;
	const query = validate(listSchema, c.req.query(), "query");
	const after = query.after === undefined ? undefined : validId(query.after, "after");
	const { data, hasMore } = await batchStore(c.env, tenantId).list({ tenantId, after, limit: query.limit });
	const objects = data.map(batchObject);
	return c.json({
		object: "list",
		data: objects,
		first_id: objects[0]?.id ?? null,
		last_id: objects.at(-1)?.id ?? null,
		has_more: hasMore,
	});
}

function validId(id: string, param?: string): string {
	if (/^batch_[A-Za-z0-9]{8,64}$/.test(id)) return id;
	if (param)
		throw new InvalidRequestError(
			`${param}: expected a batch id such as batch_abc123, got ${describeValue(id)}`,
			param,
			"invalid_value",
		);
	throw batchNotFound(id);
}
