/**
 * BatchStoreDO's SQLite schema: the tenant's batches and one row per input
 * line. SQLite, so that a batch survives eviction and restarts. Versioned in
 * `meta`; start-up runs DDL only when older.
 */

/** Bump when the DDL changes, and add the step to `steps`. */
export const BATCH_SCHEMA_VERSION = 2;

const steps: Record<number, string[]> = {
	1: [
		`CREATE TABLE IF NOT EXISTS batches (
			id TEXT PRIMARY KEY,
			endpoint TEXT NOT NULL,
			input_file_id TEXT NOT NULL,
			completion_window TEXT NOT NULL,
			status TEXT NOT NULL,
			defer INTEGER NOT NULL,
			created_at INTEGER NOT NULL,
			expires_at INTEGER NOT NULL,
			in_progress_at INTEGER,
			finalizing_at INTEGER,
			completed_at INTEGER,
			failed_at INTEGER,
			cancelling_at INTEGER,
			cancelled_at INTEGER,
			expired_at INTEGER,
			output_file_id TEXT,
			error_file_id TEXT,
			metadata TEXT,
			allowed_regions TEXT
		)`,
		`CREATE TABLE IF NOT EXISTS batch_requests (
			batch_id TEXT NOT NULL,
			line INTEGER NOT NULL,
			custom_id TEXT,
			model TEXT,
			request_json TEXT,
			state TEXT NOT NULL,
			job_id TEXT,
			zone_id TEXT,
			result_json TEXT,
			PRIMARY KEY (batch_id, line)
		)`,
		"CREATE INDEX IF NOT EXISTS batch_requests_state_idx ON batch_requests (state)",
		// Only in the object named "registry": the tenants with unfinished batches, for the cron.
		"CREATE TABLE IF NOT EXISTS active_tenants (tenant_id TEXT PRIMARY KEY)",
	],
	// The key whose daily token quota the batch's requests count against, and each running request's reservation.
	2: ["ALTER TABLE batches ADD COLUMN quota TEXT", "ALTER TABLE batch_requests ADD COLUMN permit_id TEXT"],
};

/** Brings the schema to the current version; idempotent. */
export function ensureBatchSchema(sql: SqlStorage): void {
	sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
	const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").toArray()[0];
	const current = row ? Number(row.value) : 0;
	for (let version = current + 1; version <= BATCH_SCHEMA_VERSION; version++) {
		for (const statement of steps[version] ?? []) sql.exec(statement);
	}
	if (current < BATCH_SCHEMA_VERSION) {
		sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", String(BATCH_SCHEMA_VERSION));
	}
}
