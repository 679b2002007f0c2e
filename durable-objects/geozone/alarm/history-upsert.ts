/**
 * D1 upserts built once from a drizzle table: the flushes send up to dozens of
 * rows per alarm, and drizzle's query builder costs about as much CPU per row
 * as the rest of a job's path in the zone. Column names and driver values come
 * from the schema's own columns, so the SQL follows the schema.
 */
import { type Column, getTableColumns, getTableName, type InferInsertModel } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { jobs } from "../../../src/db/schema.js";

/** A prepared upsert of one table: its SQL and a row's bindings in column order. */
export interface TableUpsert<T extends SQLiteTable> {
	sql: string;
	bindings(row: InferInsertModel<T>): unknown[];
}

const quoted = (name: string) => `"${name}"`;

/** INSERT … ON CONFLICT (key) DO UPDATE: a row written again (a retried batch) overwrites the stored one. */
export function tableUpsert<T extends SQLiteTable>(table: T, key: readonly string[]): TableUpsert<T> {
	const columns = Object.entries(getTableColumns(table)) as [keyof InferInsertModel<T>, Column][];
	const sql = [
		`INSERT INTO ${quoted(getTableName(table))} (${columns.map(([, c]) => quoted(c.name)).join(", ")})`,
		`VALUES (${columns.map(() => "?").join(", ")})`,
		`ON CONFLICT (${key.map(quoted).join(", ")}) DO UPDATE SET`,
		columns
			.filter(([, c]) => !key.includes(c.name))
			.map(([, c]) => `${quoted(c.name)} = excluded.${quoted(c.name)}`)
			.join(", "),
	].join(" ");
	return {
		sql,
		bindings: (row) =>
			columns.map(([name, column]) => {
				const value = row[name];
				return value === undefined || value === null ? null : column.mapToDriverValue(value);
			}),
	};
}

/** One history row, as drizzle would insert it. */
export type HistoryRow = typeof jobs.$inferInsert;

const jobUpsert = tableUpsert(jobs, [getTableColumns(jobs).id.name]);

/** The statement that writes one finished job to the `jobs` history table. */
export const JOB_HISTORY_UPSERT = jobUpsert.sql;

/** The statement's bindings for a row, in column order (booleans and the like mapped as drizzle maps them). */
export const historyBindings = (row: HistoryRow): unknown[] => jobUpsert.bindings(row);
