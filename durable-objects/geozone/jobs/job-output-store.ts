/**
 * The output of each job, kept in SQLite next to the job: one row per
 * non-empty delta, keyed by the agent's event seq, with the backend's chunk
 * when it sent one (ADR 0016). A stream broken by an eviction is resumed from
 * here, and an async job's result is read from here. Output only ever comes
 * from one attempt: a job is re-queued only while it has none.
 */
import type { JsonObject } from "../../../src/protocol/json-value.js";

/** One stored delta: its text and the backend's chunk, if any. */
export interface StoredDelta {
	text: string;
	chunk?: JsonObject;
}

/** Stores one delta of a job under the event's seq (a retried post with the same seq changes nothing). */
export function appendOutput(sql: SqlStorage, jobId: string, seq: number, text: string, chunk?: JsonObject): void {
	sql.exec(
		"INSERT OR IGNORE INTO job_output (job_id, seq, text, chunk) VALUES (?, ?, ?, ?)",
		jobId,
		seq,
		text,
		chunk ? JSON.stringify(chunk) : null,
	);
}

/** The job's deltas in order, skipping the first `skip` (those a reader already has). */
export function readOutput(sql: SqlStorage, jobId: string, skip = 0): StoredDelta[] {
	return sql
		.exec<{ text: string; chunk: string | null }>(
			"SELECT text, chunk FROM job_output WHERE job_id = ? ORDER BY seq LIMIT -1 OFFSET ?",
			jobId,
			Math.max(0, skip),
		)
		.toArray()
		.map((row) => (row.chunk === null ? { text: row.text } : { text: row.text, chunk: JSON.parse(row.chunk) }));
}

/** The job's whole output text. */
export function outputText(sql: SqlStorage, jobId: string): string {
	return readOutput(sql, jobId)
		.map((delta) => delta.text)
		.join("");
}

/** Deletes the output of jobs that are gone. */
export function deleteOutput(sql: SqlStorage, jobId: string): void {
	sql.exec("DELETE FROM job_output WHERE job_id = ?", jobId);
}

/** Forgets an unfinished async job's partial output before it runs again (nobody read it). */
export function discardOutput(sql: SqlStorage, jobId: string): void {
	sql.exec("DELETE FROM job_output WHERE job_id = ?", jobId);
	sql.exec("UPDATE jobs SET has_output = 0, first_token_at = NULL WHERE job_id = ?", jobId);
}
