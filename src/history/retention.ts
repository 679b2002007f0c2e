/**
 * How long D1 keeps the history tables, from the Worker's vars, and the prune
 * the Cron Trigger runs: per-node telemetry minutes after
 * HISTORY_TELEMETRY_RETENTION_DAYS (default 30), carbon signal history after
 * HISTORY_CARBON_RETENTION_DAYS (default 90). A bad var is logged naming it and
 * that table is left unpruned: deleting by a misread retention could lose data.
 */

const DAY_MS = 86_400_000;

/** Rows one DELETE removes at most; a prune runs up to MAX_CHUNKS of them per table. */
export const PRUNE_CHUNK_ROWS = 5_000;
const MAX_CHUNKS = 20;

/** A history table the cron prunes, with its time column and retention var. */
interface PrunedTable {
	table: "node_telemetry_minutes" | "carbon_signal_history";
	column: "minute" | "fetched_at";
	variable: "HISTORY_TELEMETRY_RETENTION_DAYS" | "HISTORY_CARBON_RETENTION_DAYS";
	fallbackDays: number;
}

export const PRUNED_TABLES: readonly PrunedTable[] = [
	{ table: "node_telemetry_minutes", column: "minute", variable: "HISTORY_TELEMETRY_RETENTION_DAYS", fallbackDays: 30 },
	{ table: "carbon_signal_history", column: "fetched_at", variable: "HISTORY_CARBON_RETENTION_DAYS", fallbackDays: 90 },
];

/** Retention in days from a var: a whole number from 1 to 3650, the default when unset or empty. */
export function retentionDays(
	env: Partial<Record<PrunedTable["variable"], string>>,
	spec: PrunedTable,
): { days: number } | { error: string } {
	const raw = env[spec.variable];
	if (raw === undefined || raw.trim() === "") return { days: spec.fallbackDays };
	const days = Number(raw);
	if (Number.isInteger(days) && days >= 1 && days <= 3650) return { days };
	return { error: `${spec.variable}: expected a whole number of days from 1 to 3650, got ${JSON.stringify(raw)}` };
}

/** What a prune did per table: rows deleted, or why the table was skipped. */
export type PruneReport = Record<PrunedTable["table"], number | { error: string }>;

/** Deletes history rows older than their retention, in chunks; never rejects (a D1 failure is reported). */
export async function pruneHistory(
	env: Pick<Env, "DB"> & Partial<Record<PrunedTable["variable"], string>>,
	now = Date.now(),
): Promise<PruneReport> {
	const report: Partial<PruneReport> = {};
	for (const spec of PRUNED_TABLES) {
		const retention = retentionDays(env, spec);
		if ("error" in retention) {
			report[spec.table] = retention;
			continue;
		}
		try {
			report[spec.table] = await deleteBefore(env.DB, spec, now - retention.days * DAY_MS);
		} catch (err) {
			report[spec.table] = { error: err instanceof Error ? err.message : String(err) };
		}
	}
	return report as PruneReport;
}

async function deleteBefore(d1: D1Database, spec: PrunedTable, cutoff: number): Promise<number> {
	const chunk = d1.prepare(
		`DELETE FROM ${spec.table} WHERE rowid IN (SELECT rowid FROM ${spec.table} WHERE ${spec.column} < ? LIMIT ?)`,
	);
	let deleted = 0;
	for (let i = 0; i < MAX_CHUNKS; i++) {
		const { meta } = await chunk.bind(cutoff, PRUNE_CHUNK_ROWS).run();
		deleted += meta.changes;
		if (meta.changes < PRUNE_CHUNK_ROWS) break;
	}
	return deleted;
}

/** The report as one log line. */
export function formatPruneReport(report: PruneReport): string {
	const parts = Object.entries(report).map(([table, r]) =>
		typeof r === "number" ? `${table}=${r}` : `${table} skipped (${r.error})`,
	);
	return `history prune: ${parts.join(", ")}`;
}
