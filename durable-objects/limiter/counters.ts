/**
 * The exact counters of one key, kept in its KeyLimiterDO's SQLite:
 * - rate: a token bucket holding up to `ratePerMinute` requests, refilled
 *   evenly (ratePerMinute / 60 per second): bursts up to a minute's worth;
 * - concurrency: one permit row per admitted request until finish, or until
 *   it expires (a Worker that crashed never calls finish);
 * - daily tokens: settled tokens per UTC day plus the reservations of the
 *   permits admitted that day; a request is refused when its reservation
 *   would take the day over the quota.
 */
import type { AdmitResult, FinishResult, KeyUsage, RateState, ResolvedLimits } from "./contract.js";
import { readLimiterMeta, writeLimiterMeta } from "./schema.js";

/** A permit's default life when finish never comes: 15 min, longer than any sync request should stream. */
export const PERMIT_TTL_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

let lastDay: { index: number; text: string } | undefined;

/** The UTC day of `now` as YYYY-MM-DD (the last answer is kept: every request asks about the same day). */
export function utcDay(now: number): string {
	const index = Math.floor(now / DAY_MS);
	if (lastDay?.index !== index) lastDay = { index, text: new Date(index * DAY_MS).toISOString().slice(0, 10) };
	return lastDay.text;
}

/**
 * What the object keeps in memory between calls to skip statements whose
 * answer it already knows; SQLite stays the record, so a new instance starts
 * from an empty memory and loses nothing.
 */
export interface LimiterMemory {
	/** The limits JSON last written to meta. */
	limitsJson?: string;
	/** A lower bound of the earliest permit expiry (null: no permits; undefined: unknown). */
	earliestExpiry?: number | null;
	/** The day before which token_days rows were last deleted. */
	prunedBefore?: string;
}

function nextUtcMidnight(now: number): number {
	return (Math.floor(now / DAY_MS) + 1) * DAY_MS;
}

interface Bucket {
	tokens: number;
	updatedAt: number;
}

/** The bucket refilled up to `now` (full for a key never seen or after a limit change). */
function refilled(sql: SqlStorage, rate: number, now: number): Bucket {
	const row = sql
		.exec<{ tokens: number; updated_at: number; rate_per_minute: number }>(
			"SELECT tokens, updated_at, rate_per_minute FROM bucket WHERE id = 1",
		)
		.toArray()[0];
	if (!row || row.rate_per_minute !== rate) return { tokens: rate, updatedAt: now };
	const elapsed = Math.max(0, now - row.updated_at);
	return { tokens: Math.min(rate, row.tokens + (elapsed * rate) / 60_000), updatedAt: now };
}

function saveBucket(sql: SqlStorage, bucket: Bucket, rate: number): void {
	sql.exec(
		"INSERT OR REPLACE INTO bucket (id, tokens, updated_at, rate_per_minute) VALUES (1, ?, ?, ?)",
		bucket.tokens,
		bucket.updatedAt,
		rate,
	);
}

function rateState(bucket: Bucket, rate: number): RateState {
	return {
		limit: rate,
		remaining: Math.floor(bucket.tokens),
		resetMs: Math.ceil(((rate - bucket.tokens) * 60_000) / rate),
	};
}

/** Charges the reservations of expired permits to their day and deletes them, and drops old days; returns how many. */
export function sweepExpiredPermits(sql: SqlStorage, now: number, memory: LimiterMemory = {}): number {
	const swept = chargeExpiredPermits(sql, now);
	pruneOldDays(sql, now, memory);
	memory.earliestExpiry = nextExpiry(sql);
	return swept;
}

/** Days before yesterday can no longer be asked about: deletes them (once a day per instance). */
function pruneOldDays(sql: SqlStorage, now: number, memory: LimiterMemory): void {
	const before = utcDay(now - DAY_MS);
	if (memory.prunedBefore === before) return;
	sql.exec("DELETE FROM token_days WHERE day < ?", before);
	memory.prunedBefore = before;
}

function chargeExpiredPermits(sql: SqlStorage, now: number): number {
	const expired = sql
		.exec<{ permit_id: string; day: string; reserved_tokens: number }>(
			"SELECT permit_id, day, reserved_tokens FROM permits WHERE expires_at <= ?",
			now,
		)
		.toArray();
	for (const permit of expired) {
		addUsedTokens(sql, permit.day, permit.reserved_tokens);
		sql.exec("DELETE FROM permits WHERE permit_id = ?", permit.permit_id);
	}
	return expired.length;
}

function addUsedTokens(sql: SqlStorage, day: string, tokens: number): void {
	sql.exec(
		"INSERT INTO token_days (day, used_tokens) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET used_tokens = used_tokens + excluded.used_tokens",
		day,
		tokens,
	);
}

function inFlight(sql: SqlStorage): number {
	return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM permits").one().n;
}

function tokensOfDay(sql: SqlStorage, day: string): { used: number; reserved: number } {
	const used = sql.exec<{ u: number }>("SELECT used_tokens AS u FROM token_days WHERE day = ?", day).toArray()[0]?.u;
	const reserved = sql
		.exec<{ r: number | null }>("SELECT SUM(reserved_tokens) AS r FROM permits WHERE day = ?", day)
		.one().r;
	return { used: used ?? 0, reserved: reserved ?? 0 };
}

/**
 * Admits a request or says which limit refuses it; nothing is counted for a refused request.
 * `memory` lets it skip the limits write when they are unchanged and the sweep when no permit can have expired.
 */
export function admit(
	sql: SqlStorage,
	input: { limits: ResolvedLimits; estimatedTokens: number; permitTtlMs: number; now: number; permitId: string },
	memory: LimiterMemory = {},
): AdmitResult {
	const { limits, now } = input;
	const limitsJson = JSON.stringify(limits);
	if (memory.limitsJson !== limitsJson) {
		writeLimiterMeta(sql, "limits", limitsJson);
		memory.limitsJson = limitsJson;
	}
	const earliest = memory.earliestExpiry;
	if (earliest === undefined || (earliest !== null && earliest <= now)) sweepExpiredPermits(sql, now, memory);
	else pruneOldDays(sql, now, memory);
	const rate = limits.ratePerMinute;
	const bucket = rate > 0 ? refilled(sql, rate, now) : null;
	const state = bucket ? rateState(bucket, rate) : null;
	if (bucket && bucket.tokens < 1) {
		const waitMs = Math.ceil(((1 - bucket.tokens) * 60_000) / rate);
		return {
			admitted: false,
			reason: "rate",
			limit: rate,
			retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)),
			resetAt: now + waitMs,
			rate: state,
		};
	}
	if (limits.maxConcurrent > 0 && inFlight(sql) >= limits.maxConcurrent) {
		return {
			admitted: false,
			reason: "concurrency",
			limit: limits.maxConcurrent,
			retryAfterS: 1,
			resetAt: now + 1000,
			rate: state,
		};
	}
	const day = utcDay(now);
	if (limits.dailyTokens > 0) {
		const { used, reserved } = tokensOfDay(sql, day);
		if (used + reserved + input.estimatedTokens > limits.dailyTokens) {
			const resetAt = nextUtcMidnight(now);
			return {
				admitted: false,
				reason: "daily_tokens",
				limit: limits.dailyTokens,
				retryAfterS: Math.ceil((resetAt - now) / 1000),
				resetAt,
				rate: state,
			};
		}
	}
	let after: RateState | null = null;
	if (bucket) {
		bucket.tokens -= 1;
		saveBucket(sql, bucket, rate);
		after = rateState(bucket, rate);
	}
	sql.exec(
		"INSERT INTO permits (permit_id, day, reserved_tokens, admitted_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		input.permitId,
		day,
		input.estimatedTokens,
		now,
		now + input.permitTtlMs,
	);
	const expiry = now + input.permitTtlMs;
	const known = memory.earliestExpiry;
	memory.earliestExpiry = known === undefined || known === null ? expiry : Math.min(known, expiry);
	return { admitted: true, permitId: input.permitId, rate: after };
}

/** Releases a permit and settles its day to the real tokens (or keeps the reservation when usedTokens is null). */
export function finish(sql: SqlStorage, permitId: string, usedTokens: number | null): FinishResult {
	const permit = sql
		.exec<{ day: string; reserved_tokens: number }>(
			"SELECT day, reserved_tokens FROM permits WHERE permit_id = ?",
			permitId,
		)
		.toArray()[0];
	if (!permit) return { released: false, chargedTokens: 0 };
	const charged = usedTokens ?? permit.reserved_tokens;
	addUsedTokens(sql, permit.day, charged);
	sql.exec("DELETE FROM permits WHERE permit_id = ?", permitId);
	return { released: true, chargedTokens: charged };
}

/** The key's counters at `now` (expired permits swept first). */
export function usage(sql: SqlStorage, keyId: string, now: number, memory: LimiterMemory = {}): KeyUsage {
	sweepExpiredPermits(sql, now, memory);
	const stored = readLimiterMeta(sql, "limits");
	const limits = stored === null ? null : (JSON.parse(stored) as ResolvedLimits);
	const day = utcDay(now);
	const { used, reserved } = tokensOfDay(sql, day);
	const rate = limits?.ratePerMinute ?? 0;
	return {
		keyId,
		day,
		limits,
		requestsAvailable: rate > 0 ? Math.floor(refilled(sql, rate, now).tokens) : null,
		inFlight: inFlight(sql),
		tokensUsedToday: used,
		tokensReservedToday: reserved,
	};
}

/** When the alarm should next run: the earliest permit expiry, or null when none is in flight. */
export function nextExpiry(sql: SqlStorage): number | null {
	return sql.exec<{ t: number | null }>("SELECT MIN(expires_at) AS t FROM permits").one().t;
}
