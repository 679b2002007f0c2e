/**
 * The KeyLimiterDO's SQLite schema: a token bucket for the request rate, one
 * row per in-flight permit (concurrency and token reservations), and the
 * settled tokens per UTC day. SQLite, not memory, so that an eviction loses
 * no counter. Versioned in `meta` so start-up runs DDL only when older.
 */

/** Bump when the DDL changes, and add the step to `steps`. */
export const LIMITER_SCHEMA_VERSION = 1;

const steps: Record<number, string[]> = {
	1: [
		"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
		"CREATE TABLE IF NOT EXISTS bucket (id INTEGER PRIMARY KEY CHECK (id = 1), tokens REAL NOT NULL, updated_at INTEGER NOT NULL, rate_per_minute INTEGER NOT NULL)",
		`CREATE TABLE IF NOT EXISTS permits (
			permit_id TEXT PRIMARY KEY,
			day TEXT NOT NULL,
			reserved_tokens INTEGER NOT NULL,
			admitted_at INTEGER NOT NULL,
			expires_at INTEGER NOT NULL
		)`,
		"CREATE INDEX IF NOT EXISTS permits_expiry_idx ON permits (expires_at)",
		"CREATE TABLE IF NOT EXISTS token_days (day TEXT PRIMARY KEY, used_tokens INTEGER NOT NULL)",
	],
};

/** Brings the schema to the current version; idempotent. */
export function ensureLimiterSchema(sql: SqlStorage): void {
	sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
	const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").toArray()[0];
	const current = row ? Number(row.value) : 0;
	for (let version = current + 1; version <= LIMITER_SCHEMA_VERSION; version++) {
		for (const statement of steps[version] ?? []) sql.exec(statement);
	}
	if (current < LIMITER_SCHEMA_VERSION) {
		sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", String(LIMITER_SCHEMA_VERSION));
	}
}
