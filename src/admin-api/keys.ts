/**
 * POST /admin/v1/keys, GET /admin/v1/keys?tenantId= and
 * POST /admin/v1/keys/:id/revoke: client API keys. A key is shown once, in
 * the create response; D1 keeps its SHA-256 and its public prefix. A
 * revocation is refused everywhere within API_KEY_TTL_MS (5 s), at once in
 * the isolate that served it.
 */
import type { Context } from "hono";
import { forgetApiKey } from "../auth/api-key-cache.js";
import { mintApiKey } from "../auth/api-keys.js";
import { randomId, sha256Hex } from "../auth/crypto.js";
import { tenantExists } from "../db/admin-tenants.js";
import { type ApiKeyInsert, type ApiKeyListing, insertApiKey, listApiKeys, revokeApiKey } from "../db/api-keys.js";
import { database } from "../db/client.js";
import type { AppEnv } from "../http/app-env.js";
import { InvalidRequestError, NotFoundError } from "../http/errors.js";
import { jsonBody, validate } from "../http/validation.js";
import { apiKeyIdSchema, type CreateKey, createKeySchema, listKeysQuerySchema, presentKey } from "./key-schema.js";

/** Tries this many fresh prefixes before giving up (a clash of 40 random bits is already rare). */
const PREFIX_ATTEMPTS = 3;

/** 400s for what the schema cannot know: the tenant must exist, the expiry must lie ahead. */
async function checkCreate(c: Context<AppEnv>, body: CreateKey, now: number): Promise<void> {
	if (body.expiresAt !== undefined && body.expiresAt <= now) {
		throw new InvalidRequestError(
			`expiresAt: expected a time in the future (epoch ms > ${now}), got ${body.expiresAt} (number)`,
			"expiresAt",
			"invalid_value",
		);
	}
	if (!(await tenantExists(database(c.env), body.tenantId))) {
		throw new InvalidRequestError(
			`tenantId: expected an existing tenant (GET /admin/v1/tenants), got ${JSON.stringify(body.tenantId)} (string)`,
			"tenantId",
			"unknown_tenant",
		);
	}
}

function jsonOrNull(list: readonly string[] | undefined): string | null {
	return list === undefined ? null : JSON.stringify([...new Set(list)]);
}

/** Creates a key; 201 with the key (shown only here) and its listing; 400 `unknown_tenant`. */
export async function createKeyHandler(c: Context<AppEnv>): Promise<Response> {
	const body = await jsonBody(c, createKeySchema);
	const now = Date.now();
	await checkCreate(c, body, now);
	const db = database(c.env);
	for (let attempt = 0; attempt < PREFIX_ATTEMPTS; attempt++) {
		const { prefix, key } = mintApiKey();
		const row: ApiKeyInsert = {
			id: randomId("key_"),
			tenantId: body.tenantId,
			prefix,
			keyHash: await sha256Hex(key),
			name: body.name,
			scopes: JSON.stringify([...new Set(body.scopes)]),
			allowedModels: jsonOrNull(body.allowedModels),
			allowedRegions: jsonOrNull(body.allowedRegions),
			rateLimitPerMinute: body.rateLimitPerMinute ?? null,
			maxConcurrent: body.maxConcurrent ?? null,
			dailyTokenQuota: body.dailyTokenQuota ?? null,
			createdAt: now,
			expiresAt: body.expiresAt ?? null,
		};
		if (!(await insertApiKey(db, row))) continue;
		// A miss for this prefix may be cached (someone guessed it); the key must work at once here.
		forgetApiKey(prefix);
		const shown: ApiKeyListing = {
			id: row.id,
			prefix,
			tenantId: body.tenantId,
			name: body.name,
			scopes: [...new Set(body.scopes)],
			allowedModels: body.allowedModels ? [...new Set(body.allowedModels)] : null,
			allowedRegions: body.allowedRegions ? [...new Set(body.allowedRegions)] : null,
			rateLimitPerMinute: body.rateLimitPerMinute ?? null,
			maxConcurrent: body.maxConcurrent ?? null,
			dailyTokenQuota: body.dailyTokenQuota ?? null,
			createdAt: now,
			expiresAt: body.expiresAt ?? null,
			revokedAt: null,
			lastUsedAt: null,
		};
		return c.json({ key, ...presentKey(shown, now) }, 201);
	}
	throw new Error(`could not store a new API key: ${PREFIX_ATTEMPTS} prefix clashes in a row`);
}

/** Lists keys (all, or one tenant's) without hash or secret. */
export async function listKeysHandler(c: Context<AppEnv>): Promise<Response> {
	const query = validate(listKeysQuerySchema, c.req.query(), "query");
	const now = Date.now();
	const keys = await listApiKeys(database(c.env), query.tenantId);
	return c.json({ data: keys.map((k) => presentKey(k, now)) });
}

/** Revokes a key (idempotent: the first revocation time stays); 200 with the key, 404 `key_not_found`. */
export async function revokeKeyHandler(c: Context<AppEnv>): Promise<Response> {
	const id = validate(apiKeyIdSchema, c.req.param("id"), "id");
	const now = Date.now();
	const key = await revokeApiKey(database(c.env), id, now);
	if (!key) throw new NotFoundError(`No API key with id ${JSON.stringify(id)}.`, "key_not_found");
	forgetApiKey(key.prefix);
	return c.json(presentKey(key, now));
}
