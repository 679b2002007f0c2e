/**
 * Every change of the limiter's counters, written through: SQLite first,
 * then the mirror, in the same synchronous call, so the RPC's answer waits on
 * the output gate for exactly the rows it reports. The one exception is a
 * finish (settlePermit), written in a batch within a second (writeSettled). A statement that throws
 * leaves the mirror untouched by that step; ./store.ts then drops the whole
 * mirror, since an earlier step of the same call may already be written.
 */
import type { LimiterMirror, MirrorBucket, MirrorPermit } from "./mirror.js";
import { DAY_MS, utcDay } from "./utc-day.js";

/** Records the key this object serves (meta key_id), once in its life. */
export function writeKeyId(sql: SqlStorage, mirror: LimiterMirror, keyId: string): void {
	sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('key_id', ?)", keyId);
	mirror.keyId = keyId;
}

/** Records the limits last applied (meta limits), which `usage` reports. */
export function writeLimits(sql: SqlStorage, mirror: LimiterMirror, limitsJson: string): void {
	sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('limits', ?)", limitsJson);
	mirror.limitsJson = limitsJson;
}

/** Stores the bucket's level after a request took its token. */
export function saveBucket(sql: SqlStorage, mirror: LimiterMirror, bucket: MirrorBucket): void {
	sql.exec(
		"INSERT OR REPLACE INTO bucket (id, tokens, updated_at, rate_per_minute) VALUES (1, ?, ?, ?)",
		bucket.tokens,
		bucket.updatedAt,
		bucket.ratePerMinute,
	);
	mirror.bucket = { ...bucket };
}

/** Adds an admitted request's permit: a concurrency slot and its day's token reservation. */
export function insertPermit(
	sql: SqlStorage,
	mirror: LimiterMirror,
	permitId: string,
	permit: MirrorPermit,
	admittedAt: number,
): void {
	sql.exec(
		"INSERT INTO permits (permit_id, day, reserved_tokens, admitted_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		permitId,
		permit.day,
		permit.reservedTokens,
		admittedAt,
		permit.expiresAt,
	);
	mirror.permits.set(permitId, { ...permit });
	addReserved(mirror, permit.day, permit.reservedTokens);
	if (mirror.earliestExpiry === null || permit.expiresAt < mirror.earliestExpiry) {
		mirror.earliestExpiry = permit.expiresAt;
	}
}

/** How long a finish waits before the settle timer writes it, with the other finishes of that time (ms). */
export const SETTLE_WRITE_DELAY_MS = 1_000;

/**
 * Releases a permit and charges `chargedTokens` to its day, in the mirror
 * now and in SQLite within SETTLE_WRITE_DELAY_MS (writeSettled): a finish's
 * answer then waits on no commit, and a second's finishes share two statements.
 */
export function settlePermit(mirror: LimiterMirror, permitId: string, chargedTokens: number): void {
	const permit = mirror.permits.get(permitId);
	if (!permit) return;
	forgetPermit(mirror, permitId, permit);
	mirror.usedByDay.set(permit.day, (mirror.usedByDay.get(permit.day) ?? 0) + chargedTokens);
	mirror.settled.set(permitId, { day: permit.day, chargedTokens });
}

/** Writes the finishes the mirror applied: one delete, and one statement per day charged; none when there are none. */
export function writeSettled(sql: SqlStorage, mirror: LimiterMirror): void {
	if (mirror.settled.size === 0) return;
	const byDay = new Map<string, number>();
	for (const { day, chargedTokens } of mirror.settled.values()) {
		byDay.set(day, (byDay.get(day) ?? 0) + chargedTokens);
	}
	sql.exec(
		"DELETE FROM permits WHERE permit_id IN (SELECT value FROM json_each(?))",
		JSON.stringify([...mirror.settled.keys()]),
	);
	for (const [day, tokens] of byDay) writeUsedTokens(sql, day, tokens);
	mirror.settled.clear();
}

/**
 * Deletes the permits expired at `now` and charges each one's reservation to
 * its day (nobody finished it: its usage is unknown); sets `earliestExpiry`
 * exactly. Returns how many were swept. One statement per day charged plus
 * one delete (by id: exactly the rows charged), none when nothing expired.
 */
export function deleteExpiredPermits(sql: SqlStorage, mirror: LimiterMirror, now: number): number {
	const expired: string[] = [];
	const chargeByDay = new Map<string, number>();
	let earliest: number | null = null;
	for (const [permitId, permit] of mirror.permits) {
		if (permit.expiresAt <= now) {
			expired.push(permitId);
			chargeByDay.set(permit.day, (chargeByDay.get(permit.day) ?? 0) + permit.reservedTokens);
		} else if (earliest === null || permit.expiresAt < earliest) earliest = permit.expiresAt;
	}
	if (expired.length > 0) {
		sql.exec("DELETE FROM permits WHERE permit_id IN (SELECT value FROM json_each(?))", JSON.stringify(expired));
		for (const permitId of expired) {
			const permit = mirror.permits.get(permitId);
			if (permit) forgetPermit(mirror, permitId, permit);
		}
		for (const [day, tokens] of chargeByDay) addUsedTokens(sql, mirror, day, tokens);
	}
	mirror.earliestExpiry = earliest;
	return expired.length;
}

/** Deletes the settled tokens of the UTC days before day number `before` (days since the epoch). */
export function pruneDaysBefore(sql: SqlStorage, mirror: LimiterMirror, before: number): void {
	const day = utcDay(before * DAY_MS);
	sql.exec("DELETE FROM token_days WHERE day < ?", day);
	// YYYY-MM-DD compares as SQLite compares TEXT, so memory drops the same rows.
	for (const known of mirror.usedByDay.keys()) if (known < day) mirror.usedByDay.delete(known);
	mirror.prunedBefore = before;
}

function addUsedTokens(sql: SqlStorage, mirror: LimiterMirror, day: string, tokens: number): void {
	writeUsedTokens(sql, day, tokens);
	mirror.usedByDay.set(day, (mirror.usedByDay.get(day) ?? 0) + tokens);
}

function writeUsedTokens(sql: SqlStorage, day: string, tokens: number): void {
	sql.exec(
		"INSERT INTO token_days (day, used_tokens) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET used_tokens = used_tokens + excluded.used_tokens",
		day,
		tokens,
	);
}

function forgetPermit(mirror: LimiterMirror, permitId: string, permit: MirrorPermit): void {
	mirror.permits.delete(permitId);
	addReserved(mirror, permit.day, -permit.reservedTokens);
}

function addReserved(mirror: LimiterMirror, day: string, tokens: number): void {
	const reserved = (mirror.reservedByDay.get(day) ?? 0) + tokens;
	if (reserved === 0) mirror.reservedByDay.delete(day);
	else mirror.reservedByDay.set(day, reserved);
}
