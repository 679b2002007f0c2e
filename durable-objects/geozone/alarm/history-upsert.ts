/**
 * The D1 statement that writes one finished job to the `jobs` history table,
 * built once from the drizzle schema: the flush sends up to FLUSH_BATCH_JOBS
 * of them per alarm, and drizzle's query builder costs about as much CPU per
 * row as the rest of a job's path in the zone. Column names and driver values
 * come from the schema's own columns, so the SQL follows the schema.
 */
import { type Column, getTableColumns } from "drizzle-orm";
import { jobs } from "../../../src/db/schema.js";

/** One history row, as drizzle would insert it. */
export type HistoryRow = typeof jobs.$inferInsert;

const columns = Object.entries(getTableColumns(jobs)) as [keyof HistoryRow, Column][];
const key = getTableColumns(jobs).id.name;
const quoted = (name: string) => `"${name}"`;

/** INSERT … ON CONFLICT (id) DO UPDATE: a job flushed again (a retried batch) overwrites its row. */
export const JOB_HISTORY_UPSERT = [
	`INSERT INTO "jobs" (${columns.map(([, c]) => quoted(c.name)).join(", ")})`,
	`VALUES (${columns.map(() => "?").join(", ")})`,
	`ON CONFLICT (${quoted(key)}) DO UPDATE SET`,
	columns
		.filter(([, c]) => c.name !== key)
		.map(([, c]) => `${quoted(c.name)} = excluded.${quoted(c.name)}`)
		.join(", "),
].join(" ");

/** The statement's bindings for a row, in column order (booleans and the like mapped as drizzle maps them). */
export function historyBindings(row: HistoryRow): unknown[] {
	return columns.map(([name, column]) => {
		const value = row[name];
		return value === undefined || value === null ? null : column.mapToDriverValue(value);
	});
}
