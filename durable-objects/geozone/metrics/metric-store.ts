/**
 * The zone's counters and histograms in SQLite, so they only ever grow, across
 * restarts and evictions alike (Prometheus reads a drop as a counter reset).
 * The tables are created on first use, apart from the versioned job schema:
 * they hold no job and no migration of the jobs table touches them.
 */
import { type CounterSample, HISTOGRAM_BUCKETS_S, type HistogramSample } from "./contract.js";

const ensured = new WeakSet<SqlStorage>();

function ensureTables(sql: SqlStorage): void {
	if (ensured.has(sql)) return;
	sql.exec(`CREATE TABLE IF NOT EXISTS metric_counters (
		name TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (name, labels)
	) WITHOUT ROWID`);
	sql.exec(`CREATE TABLE IF NOT EXISTS metric_histograms (
		name TEXT NOT NULL, labels TEXT NOT NULL, buckets TEXT NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
		PRIMARY KEY (name, labels)
	) WITHOUT ROWID`);
	ensured.add(sql);
}

/** Labels as one canonical key: sorted by name, so the same set is always the same row. */
function labelKey(labels: Readonly<Record<string, string>>): string {
	return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/** Adds `by` (ignored unless finite and > 0) to a counter series. */
export function addToCounter(sql: SqlStorage, name: string, labels: Readonly<Record<string, string>>, by = 1): void {
	if (!Number.isFinite(by) || by <= 0) return;
	ensureTables(sql);
	sql.exec(
		`INSERT INTO metric_counters (name, labels, value) VALUES (?, ?, ?)
		 ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value`,
		name,
		labelKey(labels),
		by,
	);
}

/** Records one observation (ignored unless finite and >= 0) in a histogram series. */
export function observe(sql: SqlStorage, name: string, labels: Readonly<Record<string, string>>, value: number): void {
	if (!Number.isFinite(value) || value < 0) return;
	ensureTables(sql);
	const key = labelKey(labels);
	const row = sql
		.exec<{ buckets: string; sum: number; count: number }>(
			"SELECT buckets, sum, count FROM metric_histograms WHERE name = ? AND labels = ?",
			name,
			key,
		)
		.toArray()[0];
	const buckets = row ? (JSON.parse(row.buckets) as number[]) : HISTOGRAM_BUCKETS_S.map(() => 0);
	HISTOGRAM_BUCKETS_S.forEach((le, i) => {
		if (value <= le) buckets[i] = (buckets[i] ?? 0) + 1;
	});
	sql.exec(
		`INSERT INTO metric_histograms (name, labels, buckets, sum, count) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT (name, labels) DO UPDATE SET buckets = excluded.buckets, sum = excluded.sum, count = excluded.count`,
		name,
		key,
		JSON.stringify(buckets),
		(row?.sum ?? 0) + value,
		(row?.count ?? 0) + 1,
	);
}

/** Every counter series the zone holds. */
export function readCounters(sql: SqlStorage): CounterSample[] {
	ensureTables(sql);
	return sql
		.exec<{ name: string; labels: string; value: number }>("SELECT name, labels, value FROM metric_counters")
		.toArray()
		.map((row) => ({ name: row.name, labels: JSON.parse(row.labels) as Record<string, string>, value: row.value }));
}

/** Every histogram series the zone holds. */
export function readHistograms(sql: SqlStorage): HistogramSample[] {
	ensureTables(sql);
	return sql
		.exec<{ name: string; labels: string; buckets: string; sum: number; count: number }>(
			"SELECT name, labels, buckets, sum, count FROM metric_histograms",
		)
		.toArray()
		.map((row) => ({
			name: row.name,
			labels: JSON.parse(row.labels) as Record<string, string>,
			buckets: JSON.parse(row.buckets) as number[],
			sum: row.sum,
			count: row.count,
		}));
}
