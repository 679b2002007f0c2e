/**
 * How many requests each limit refused, kept in SQLite so the count only
 * grows (GET /metrics sums it per tenant). The table is created by the first
 * refusal; a key never refused reads zeros without writing anything.
 */
import { type CapacityReason, capacityReasons, type LimitReason, type RefusalCounts } from "./contract.js";

const TABLE = "limit_refusals";

/** Adds one refusal for `reason`. */
export function countRefusal(sql: SqlStorage, reason: LimitReason | CapacityReason): void {
	sql.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (reason TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID`);
	sql.exec(
		`INSERT INTO ${TABLE} (reason, count) VALUES (?, 1) ON CONFLICT (reason) DO UPDATE SET count = count + 1`,
		reason,
	);
}

/** The refusals so far, by reason (0 for a limit that never refused). */
export function readRefusals(sql: SqlStorage): RefusalCounts {
	const counts: RefusalCounts = { rate: 0, concurrency: 0, daily_tokens: 0, no_capacity: 0, queue_full: 0, timeout: 0 };
	const exists = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", TABLE).toArray().length > 0;
	if (!exists) return counts;
	for (const row of sql.exec<{ reason: string; count: number }>(`SELECT reason, count FROM ${TABLE}`)) {
		if (isReason(row.reason)) counts[row.reason] = row.count;
	}
	return counts;
}

function isReason(reason: string): reason is keyof RefusalCounts {
	return (
		reason === "rate" ||
		reason === "concurrency" ||
		reason === "daily_tokens" ||
		capacityReasons.some((r) => r === reason)
	);
}
