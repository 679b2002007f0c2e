/**
 * The GeozoneDO's SQLite schema, versioned in a meta table so that start-up
 * runs DDL only when the stored version is older than this code's. Jobs and
 * nodes live here because in-memory state vanishes on eviction.
 */

/** Bump when the DDL below changes, and add the step to `migrations`. */
export const SCHEMA_VERSION = 8;

/** A DDL statement, or a step that must check before it acts (ALTER TABLE ADD COLUMN is not idempotent). */
type Step = string | ((sql: SqlStorage) => void);

/** Adds a column unless the table has it already, so every step stays safe to re-run. */
function addColumn(table: string, column: string, type: string): Step {
	return (sql) => {
		const has = sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`).toArray();
		if (!has.some((c) => c.name === column)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
	};
}

const migrations: Record<number, Step[]> = {
	1: [
		`CREATE TABLE IF NOT EXISTS nodes (
			node_id TEXT PRIMARY KEY,
			models TEXT NOT NULL,
			slots INTEGER NOT NULL,
			last_seen_at INTEGER NOT NULL,
			live INTEGER NOT NULL DEFAULT 1,
			telemetry TEXT
		)`,
		`CREATE TABLE IF NOT EXISTS jobs (
			seqno INTEGER PRIMARY KEY AUTOINCREMENT,
			job_id TEXT NOT NULL UNIQUE,
			tenant_id TEXT NOT NULL,
			model TEXT NOT NULL,
			request TEXT NOT NULL,
			stream INTEGER NOT NULL,
			status TEXT NOT NULL,
			attempts INTEGER NOT NULL DEFAULT 0,
			lease_id TEXT,
			node_id TEXT,
			lease_expires_at INTEGER,
			next_seq INTEGER NOT NULL DEFAULT 0,
			has_output INTEGER NOT NULL DEFAULT 0,
			received_at INTEGER NOT NULL,
			leased_at INTEGER,
			first_token_at INTEGER,
			finished_at INTEGER,
			prompt_tokens INTEGER,
			completion_tokens INTEGER,
			finish_reason TEXT,
			error_code TEXT,
			error_message TEXT,
			routing TEXT NOT NULL,
			history_pending INTEGER NOT NULL DEFAULT 0
		)`,
		"CREATE INDEX IF NOT EXISTS jobs_status_idx ON jobs (status, model, seqno)",
		"CREATE INDEX IF NOT EXISTS jobs_lease_idx ON jobs (lease_expires_at) WHERE status IN ('leased', 'running')",
		"CREATE INDEX IF NOT EXISTS jobs_history_idx ON jobs (history_pending, finished_at)",
	],
	// The energy estimate of a succeeded job, fixed when it finished (the node's telemetry may change later).
	2: [
		addColumn("jobs", "est_energy_j", "REAL"),
		addColumn("jobs", "est_gco2", "REAL"),
		addColumn("jobs", "est_gpu_class", "TEXT"),
	],
	// Durable output (a stream can be resumed after an eviction; async results are read from it),
	// and the fields of asynchronous jobs: the API key, webhook delivery and retention.
	3: [
		`CREATE TABLE IF NOT EXISTS job_output (
			job_id TEXT NOT NULL,
			seq INTEGER NOT NULL,
			text TEXT NOT NULL,
			PRIMARY KEY (job_id, seq)
		) WITHOUT ROWID`,
		addColumn("jobs", "kind", "TEXT NOT NULL DEFAULT 'sync'"),
		addColumn("jobs", "api_key_id", "TEXT"),
		addColumn("jobs", "webhook_url", "TEXT"),
		addColumn("jobs", "webhook_secret", "TEXT"),
		addColumn("jobs", "webhook_status", "TEXT"),
		addColumn("jobs", "webhook_attempts", "INTEGER NOT NULL DEFAULT 0"),
		addColumn("jobs", "webhook_next_at", "INTEGER"),
		addColumn("jobs", "expires_at", "INTEGER"),
	],
	// Every job's deadlines (job-deadlines.ts), and the zone an async job is being handed to (zone-handback.ts).
	4: [
		addColumn("jobs", "queue_deadline_at", "INTEGER"),
		addColumn("jobs", "first_token_deadline_at", "INTEGER"),
		addColumn("jobs", "handoff_zone", "TEXT"),
	],
	// The GPU energy a node measured for the job (J), when it could; est_energy_j then holds the same figure.
	5: [addColumn("jobs", "measured_energy_j", "REAL")],
	// The backend's own chunks and response, relayed as they came (ADR 0016).
	6: [addColumn("job_output", "chunk", "TEXT"), addColumn("jobs", "response", "TEXT")],
	// The job's W3C traceparent (its trace, the edge's span as parent), handed to the node with each lease.
	7: [addColumn("jobs", "traceparent", "TEXT")],
	// The endpoint a job runs on: a node is leased only jobs of endpoints it serves (nodes/node-serving.ts).
	8: [
		addColumn("jobs", "endpoint", "TEXT NOT NULL DEFAULT 'chat/completions'"),
		`UPDATE jobs SET endpoint = coalesce(json_extract(request, '$.endpoint'), 'chat/completions')
		 WHERE status NOT IN ('succeeded', 'failed', 'cancelled', 'expired')`,
	],
};

/** Creates or upgrades the schema; a no-op when the stored version is current. Returns the DDL steps run. */
export function ensureSchema(sql: SqlStorage): number {
	sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
	metaCache.delete(sql);
	const stored = Number(readMeta(sql, "schema_version") ?? "0");
	if (stored >= SCHEMA_VERSION) return 0;
	let steps = 0;
	for (let version = stored + 1; version <= SCHEMA_VERSION; version++) {
		for (const step of migrations[version] ?? []) {
			if (typeof step === "string") sql.exec(step);
			else step(sql);
			steps++;
		}
	}
	writeMeta(sql, "schema_version", String(SCHEMA_VERSION));
	return steps;
}

/**
 * Meta values already read or written through this module, per storage
 * handle: only the object writes its own meta, and SQLite writes are not
 * rolled back outside transactionSync (unused here), so the copy stays exact
 * and the dozen meta reads of each job's RPCs cost no statement. ensureSchema
 * clears it, so a start-up always reads the stored version.
 */
const metaCache = new WeakMap<SqlStorage, Map<string, string | null>>();

function cacheOf(sql: SqlStorage): Map<string, string | null> {
	let cache = metaCache.get(sql);
	if (!cache) {
		cache = new Map();
		metaCache.set(sql, cache);
	}
	return cache;
}

/** Reads one meta value, or null when unset. */
export function readMeta(sql: SqlStorage, key: string): string | null {
	const cache = cacheOf(sql);
	const hit = cache.get(key);
	if (hit !== undefined) return hit;
	const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
	const value = row?.value ?? null;
	cache.set(key, value);
	return value;
}

/** Writes one meta value. */
export function writeMeta(sql: SqlStorage, key: string, value: string): void {
	sql.exec(
		"INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		key,
		value,
	);
	cacheOf(sql).set(key, value);
}

/** Deletes one meta value. */
export function deleteMeta(sql: SqlStorage, key: string): void {
	sql.exec("DELETE FROM meta WHERE key = ?", key);
	cacheOf(sql).set(key, null);
}
