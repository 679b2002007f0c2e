/**
 * Tenant API keys: their format, how one is minted, and how a presented
 * bearer token becomes a ClientIdentity. A key is
 * `ak_<10 hex>_<43 base64url chars>`: the first part (`ak_<10 hex>`, 40
 * random bits) is the public prefix D1 finds the row by; the rest is 32
 * random bytes. Only the SHA-256 of the whole key is stored, and it is
 * compared in constant time. The bootstrap ARCNET_DEV_API_KEY stays valid as
 * tenant `tenant_dev` with scopes inference and jobs.
 */

import { type ApiKeyAuthRecord, touchApiKey } from "../db/api-keys.js";
import { database } from "../db/client.js";
import type { TenantAuthRecord } from "../db/tenants.js";
import { log } from "../protocol/log-line.js";
import { cachedApiKey, cachedTenant } from "./api-key-cache.js";
import type { ClientIdentity, KeyLimits } from "./client-identity.js";
import { sha256Hex, timingSafeEqualStrings } from "./crypto.js";

/** The tenant every request with the dev key belongs to. */
export const DEV_TENANT_ID = "tenant_dev";

/** A tenant key: `ak_`, 10 lowercase hex (the rest of the prefix), `_`, 43 base64url characters (32 bytes). */
const KEY_PATTERN = /^(ak_[0-9a-f]{10})_[A-Za-z0-9_-]{43}$/;

/** last_used_at is written at most once a minute per key (per isolate, and checked again in SQL). */
export const LAST_USED_INTERVAL_MS = 60_000;
const MAX_TOUCHED = 10_000;
const lastTouched = new Map<string, number>();

function base64url(bytes: Uint8Array): string {
	return btoa(String.fromCharCode(...bytes))
		.replace(/\+/g, "-")
		.replace(/\//g, "_")
		.replace(/=+$/, "");
}

/** A fresh key and its public prefix, e.g. `{ prefix: "ak_3f9a1c2e7b", key: "ak_3f9a1c2e7b_…" }`. */
export function mintApiKey(): { prefix: string; key: string } {
	const prefixBytes = crypto.getRandomValues(new Uint8Array(5));
	const prefix = `ak_${[...prefixBytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
	return { prefix, key: `${prefix}_${base64url(crypto.getRandomValues(new Uint8Array(32)))}` };
}

/** The prefix of a well-formed tenant key, or null when `token` does not have the key format. */
export function apiKeyPrefix(token: string): string | null {
	return KEY_PATTERN.exec(token)?.[1] ?? null;
}

/** Limits after inheritance: the key's own, else the tenant's, else null (the deployment default). */
function resolveLimits(key: Partial<ApiKeyAuthRecord> | null, tenant: TenantAuthRecord | null): KeyLimits {
	return {
		ratePerMinute: key?.rateLimitPerMinute ?? tenant?.rateLimitPerMinute ?? null,
		maxConcurrent: key?.maxConcurrent ?? tenant?.maxConcurrent ?? null,
		dailyTokens: key?.dailyTokenQuota ?? tenant?.dailyTokenQuota ?? null,
	};
}

/** True while the key may be used at `now`: not revoked, not expired, tenant not disabled. */
function usable(record: ApiKeyAuthRecord, now: number): boolean {
	if (record.revokedAt !== null && record.revokedAt <= now) return false;
	if (record.expiresAt !== null && record.expiresAt <= now) return false;
	return record.tenantDisabledAt === null;
}

/** What the caller of a request may do; `waitUntil` carries the last_used_at write off the hot path. */
export interface AuthenticateOptions {
	/** Clock for expiry and the cache (default Date.now()). */
	now?: number;
	/** Keeps the last_used_at write alive after the response; without it the write is skipped. */
	waitUntil?: (promise: Promise<unknown>) => void;
}

function touch(env: Env, record: ApiKeyAuthRecord, now: number, waitUntil: AuthenticateOptions["waitUntil"]): void {
	if (!waitUntil) return;
	const last = Math.max(lastTouched.get(record.id) ?? 0, record.lastUsedAt ?? 0);
	if (now - last < LAST_USED_INTERVAL_MS) return;
	if (lastTouched.size >= MAX_TOUCHED) lastTouched.clear();
	lastTouched.set(record.id, now);
	waitUntil(
		touchApiKey(database(env), record.id, now, LAST_USED_INTERVAL_MS).catch((err: unknown) =>
			log("error", "key_last_used_not_written", { keyPrefix: record.prefix, error: err }),
		),
	);
}

async function tenantKeyIdentity(
	env: Env,
	token: string,
	prefix: string,
	options: AuthenticateOptions,
): Promise<ClientIdentity | null> {
	const now = options.now ?? Date.now();
	const [record, hash] = await Promise.all([cachedApiKey(database(env), prefix, now), sha256Hex(token)]);
	// Compare even for an unknown prefix so both paths do the same work.
	const matches = timingSafeEqualStrings(hash, record?.keyHash ?? "0".repeat(64));
	if (!record || !matches || !usable(record, now)) return null;
	touch(env, record, now, options.waitUntil);
	return {
		tenantId: record.tenantId,
		keyId: record.id,
		keyPrefix: record.prefix,
		scopes: record.scopes,
		allowedModels: record.allowedModels,
		allowedRegions: record.allowedRegions,
		limits: resolveLimits(record, {
			disabledAt: record.tenantDisabledAt,
			rateLimitPerMinute: record.tenantRateLimitPerMinute,
			maxConcurrent: record.tenantMaxConcurrent,
			dailyTokenQuota: record.tenantDailyTokenQuota,
		}),
	};
}

async function devKeyIdentity(env: Env, now: number): Promise<ClientIdentity | null> {
	const tenant = await cachedTenant(database(env), DEV_TENANT_ID, now);
	if (tenant?.disabledAt != null) return null;
	return {
		tenantId: DEV_TENANT_ID,
		keyId: null,
		keyPrefix: "dev",
		scopes: ["inference", "jobs"],
		allowedModels: null,
		allowedRegions: null,
		limits: resolveLimits(null, tenant),
	};
}

/**
 * The identity behind a bearer token: a usable tenant key, or the dev key.
 * Null for anything else (unknown, wrong secret, revoked, expired, disabled
 * tenant), so callers answer every refusal the same way.
 */
export async function authenticateApiKey(
	env: Env,
	token: string,
	options: AuthenticateOptions = {},
): Promise<ClientIdentity | null> {
	const prefix = apiKeyPrefix(token);
	if (prefix !== null) return tenantKeyIdentity(env, token, prefix, options);
	if (env.ARCNET_DEV_API_KEY && timingSafeEqualStrings(token, env.ARCNET_DEV_API_KEY)) {
		return devKeyIdentity(env, options.now ?? Date.now());
	}
	return null;
}
