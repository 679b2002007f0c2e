/**
 * The limiter's write-through mirror: every counter of the object's SQLite
 * tables, held in memory so that `admit`, `finish` and `usage` read nothing
 * from storage. SQLite stays the record: the mirror is loaded from it once
 * per instance (and again after a failed change, see ./store.ts), and every
 * change writes SQLite first and the mirror after, in the same call
 * (./mirror-writes.ts), except a finish, which the mirror applies first and
 * SQLite gets within a second, in one batch (`settled`): a finish
 * lost to a crash in between leaves its permit charged until it expires,
 * which counts too much, never too little.
 */

/** The request-rate bucket (the `bucket` row). */
export interface MirrorBucket {
	/** Requests available at `updatedAt` (fractional: it refills continuously). */
	tokens: number;
	updatedAt: number;
	/** The rate the bucket was filled at; a different rate restarts it full. */
	ratePerMinute: number;
}

/** An in-flight permit (a `permits` row, less admitted_at, which nothing reads). */
export interface MirrorPermit {
	/** The UTC day it was admitted on: its tokens are charged to that day. */
	day: string;
	reservedTokens: number;
	expiresAt: number;
}

/** What the object knows of its SQLite tables; only ./mirror-writes.ts changes it. */
export interface LimiterMirror {
	/** meta key_id: the key this object serves, null before its first call. */
	keyId: string | null;
	/** meta limits: the limits JSON last applied, null before the first admit. */
	limitsJson: string | null;
	bucket: MirrorBucket | null;
	permits: Map<string, MirrorPermit>;
	/** The sum of `reservedTokens` of the permits of each day (kept with `permits`, so no admit sums them). */
	reservedByDay: Map<string, number>;
	/** token_days: settled tokens per UTC day. */
	usedByDay: Map<string, number>;
	/**
	 * A lower bound of the earliest permit expiry (null: no permits). Exact
	 * after a load or a sweep; finish leaves it, so it may lie early: an early
	 * sweep finds nothing and sets it exactly.
	 */
	earliestExpiry: number | null;
	/** The UTC day number (days since the epoch) before which token_days rows were last deleted: once a day per instance. */
	prunedBefore: number | null;
	/**
	 * Finishes applied here and not yet written (permit id → its day and the tokens charged):
	 * the permit is gone from `permits` and its tokens are in `usedByDay`, while SQLite still
	 * holds the permit row. Written within SETTLE_WRITE_DELAY_MS by the object's settle timer,
	 * or sooner by a usage or a sweep (./mirror-writes.ts, writeSettled).
	 */
	settled: Map<string, { day: string; chargedTokens: number }>;
}

/** Reads every table into a new mirror: four statements, once per instance. */
export function loadLimiterMirror(sql: SqlStorage): LimiterMirror {
	const mirror: LimiterMirror = {
		keyId: null,
		limitsJson: null,
		bucket: null,
		permits: new Map(),
		reservedByDay: new Map(),
		usedByDay: new Map(),
		earliestExpiry: null,
		prunedBefore: null,
		settled: new Map(),
	};
	for (const row of sql.exec<{ key: string; value: string }>(
		"SELECT key, value FROM meta WHERE key IN ('key_id', 'limits')",
	)) {
		if (row.key === "key_id") mirror.keyId = row.value;
		else mirror.limitsJson = row.value;
	}
	const bucket = sql
		.exec<{ tokens: number; updated_at: number; rate_per_minute: number }>(
			"SELECT tokens, updated_at, rate_per_minute FROM bucket WHERE id = 1",
		)
		.toArray()[0];
	if (bucket) {
		mirror.bucket = { tokens: bucket.tokens, updatedAt: bucket.updated_at, ratePerMinute: bucket.rate_per_minute };
	}
	for (const row of sql.exec<{ permit_id: string; day: string; reserved_tokens: number; expires_at: number }>(
		"SELECT permit_id, day, reserved_tokens, expires_at FROM permits",
	)) {
		mirror.permits.set(row.permit_id, { day: row.day, reservedTokens: row.reserved_tokens, expiresAt: row.expires_at });
		mirror.reservedByDay.set(row.day, (mirror.reservedByDay.get(row.day) ?? 0) + row.reserved_tokens);
		if (mirror.earliestExpiry === null || row.expires_at < mirror.earliestExpiry)
			mirror.earliestExpiry = row.expires_at;
	}
	for (const row of sql.exec<{ day: string; used_tokens: number }>("SELECT day, used_tokens FROM token_days")) {
		mirror.usedByDay.set(row.day, row.used_tokens);
	}
	return mirror;
}
