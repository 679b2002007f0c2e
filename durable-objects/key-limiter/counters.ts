/**
 * The exact counters of one key, kept in its KeyLimiterDO's SQLite and read
 * from the write-through mirror (./mirror.ts):
 * - rate: a token bucket (./bucket.ts);
 * - concurrency: one permit per admitted request until finish, or until it
 *   expires (a Worker that crashed never calls finish);
 * - daily tokens: settled tokens per UTC day plus the reservations of the
 *   permits admitted that day; a request is refused when its reservation
 *   would take the day over the quota.
 * Every function here runs inside LimiterStore.change, which drops the
 * mirror if it throws.
 */
import { rateState, refilled } from "./bucket.js";
import type { AdmitResult, FinishResult, KeyUsage, RateState, ResolvedLimits } from "./contract.js";
import type { LimiterMirror } from "./mirror.js";
import {
	deleteExpiredPermits,
	insertPermit,
	pruneDaysBefore,
	saveBucket,
	settlePermit,
	writeLimits,
	writeSettled,
} from "./mirror-writes.js";
import { DAY_MS, nextUtcMidnight, utcDay } from "./utc-day.js";

/** A permit's default life when finish never comes: 15 min, longer than any sync request should stream. */
export const PERMIT_TTL_MS = 15 * 60_000;

/** Charges the reservations of expired permits to their day and deletes them, and drops old days; returns how many. */
export function sweepExpiredPermits(sql: SqlStorage, mirror: LimiterMirror, now: number): number {
	writeSettled(sql, mirror);
	const swept = deleteExpiredPermits(sql, mirror, now);
	pruneOldDays(sql, mirror, now);
	return swept;
}

/** Days before yesterday can no longer be asked about: deletes them (once a day per instance). */
function pruneOldDays(sql: SqlStorage, mirror: LimiterMirror, now: number): void {
	const before = Math.floor(now / DAY_MS) - 1;
	if (mirror.prunedBefore !== before) pruneDaysBefore(sql, mirror, before);
}

/**
 * Admits a request or says which limit refuses it; nothing is counted for a refused request.
 * Reads nothing from SQLite; an admission writes the bucket and the permit, plus the limits when they
 * changed, the sweep when a permit may have expired and the pruning of old days once a day. The finishes
 * applied since the last write are left to the settle timer, which writes a second's worth in two statements.
 */
export function admit(
	sql: SqlStorage,
	mirror: LimiterMirror,
	input: { limits: ResolvedLimits; estimatedTokens: number; permitTtlMs: number; now: number; permitId: string },
): AdmitResult {
	const { limits, now } = input;
	// The finishes since the last write are not written here: the settle timer writes them in one batch.
	const limitsJson = JSON.stringify(limits);
	if (mirror.limitsJson !== limitsJson) writeLimits(sql, mirror, limitsJson);
	if (mirror.earliestExpiry !== null && mirror.earliestExpiry <= now) deleteExpiredPermits(sql, mirror, now);
	pruneOldDays(sql, mirror, now);
	const rate = limits.ratePerMinute;
	const bucket = rate > 0 ? refilled(mirror.bucket, rate, now) : null;
	const state = bucket ? rateState(bucket) : null;
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
	// Quota-only permits (deferred work) hold no concurrency slot; they are counted out only near the limit.
	if (
		limits.maxConcurrent > 0 &&
		mirror.permits.size >= limits.maxConcurrent &&
		concurrentPermits(mirror) >= limits.maxConcurrent
	) {
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
	const overQuota = quotaRefusal(mirror, limits.dailyTokens, input.estimatedTokens, now);
	if (overQuota) return { ...overQuota, rate: state };
	let after: RateState | null = null;
	if (bucket) {
		bucket.tokens -= 1;
		saveBucket(sql, mirror, bucket);
		after = rateState(bucket);
	}
	const permit = { day, reservedTokens: input.estimatedTokens, expiresAt: now + input.permitTtlMs };
	insertPermit(sql, mirror, input.permitId, permit, now);
	return { admitted: true, permitId: input.permitId, rate: after };
}

/** Permit ids of quota-only admissions (admitTokens): they reserve tokens and hold no concurrency slot. */
export const QUOTA_PERMIT_PREFIX = "quota_";

/** Permits in flight that hold a concurrency slot. */
function concurrentPermits(mirror: LimiterMirror): number {
	let n = 0;
	for (const id of mirror.permits.keys()) if (!id.startsWith(QUOTA_PERMIT_PREFIX)) n++;
	return n;
}

/** The daily-token refusal of a reservation of `estimatedTokens` now, or null when it fits (or the quota is 0: unlimited). */
function quotaRefusal(mirror: LimiterMirror, dailyTokens: number, estimatedTokens: number, now: number) {
	if (dailyTokens === 0) return null;
	const day = utcDay(now);
	const used = mirror.usedByDay.get(day) ?? 0;
	const reserved = mirror.reservedByDay.get(day) ?? 0;
	if (used + reserved + estimatedTokens <= dailyTokens) return null;
	const resetAt = nextUtcMidnight(now);
	const retryAfterS = Math.ceil((resetAt - now) / 1000);
	return { admitted: false as const, reason: "daily_tokens" as const, limit: dailyTokens, retryAfterS, resetAt };
}

/**
 * Admits deferred work (a batch request) against the daily token quota only: no rate token, no
 * concurrency slot, and the key's stored limits stay those of its requests. The permit reserves
 * `estimatedTokens` until finish settles them, like a request's.
 */
export function admitTokens(
	sql: SqlStorage,
	mirror: LimiterMirror,
	input: { dailyTokens: number; estimatedTokens: number; permitTtlMs: number; now: number; permitId: string },
): AdmitResult {
	const { now } = input;
	if (mirror.earliestExpiry !== null && mirror.earliestExpiry <= now) deleteExpiredPermits(sql, mirror, now);
	pruneOldDays(sql, mirror, now);
	const overQuota = quotaRefusal(mirror, input.dailyTokens, input.estimatedTokens, now);
	if (overQuota) return { ...overQuota, rate: null };
	const permit = { day: utcDay(now), reservedTokens: input.estimatedTokens, expiresAt: now + input.permitTtlMs };
	insertPermit(sql, mirror, input.permitId, permit, now);
	return { admitted: true, permitId: input.permitId, rate: null };
}

/**
 * Releases a permit and settles its day to the real tokens (or keeps the reservation when usedTokens is null).
 * Reads and writes nothing in SQLite: the mirror releases the permit now, and the permit's delete and its
 * day's tokens are written by the object within SETTLE_WRITE_DELAY_MS (or sooner by a usage or a sweep).
 */
export function finish(mirror: LimiterMirror, permitId: string, usedTokens: number | null): FinishResult {
	const permit = mirror.permits.get(permitId);
	if (!permit) return { released: false, chargedTokens: 0 };
	const charged = usedTokens ?? permit.reservedTokens;
	settlePermit(mirror, permitId, charged);
	return { released: true, chargedTokens: charged };
}

/** The key's counters at `now` (expired permits swept first). */
export function usage(sql: SqlStorage, mirror: LimiterMirror, keyId: string, now: number): KeyUsage {
	sweepExpiredPermits(sql, mirror, now);
	const limits = mirror.limitsJson === null ? null : (JSON.parse(mirror.limitsJson) as ResolvedLimits);
	const day = utcDay(now);
	const rate = limits?.ratePerMinute ?? 0;
	return {
		keyId,
		day,
		limits,
		requestsAvailable: rate > 0 ? Math.floor(refilled(mirror.bucket, rate, now).tokens) : null,
		inFlight: mirror.permits.size,
		tokensUsedToday: mirror.usedByDay.get(day) ?? 0,
		tokensReservedToday: mirror.reservedByDay.get(day) ?? 0,
	};
}
