/**
 * The output of each job, kept in SQLite next to the job: one row per
 * non-empty delta, keyed by the agent's event seq. A stream broken by an
 * eviction is resumed from here, and an async job's result is read from here.
 * Output only ever comes from one attempt: a job is re-queued only while it
 * has none.
 */

/** Stores one delta of a job under the event's seq (a retried post with the same seq changes nothing). */
export function appendOutput(sql: SqlStorage, jobId: string, seq: number, text: string): void {
	sql.exec("INSERT OR IGNORE INTO job_output (job_id, seq, text) VALUES (?, ?, ?)", jobId, seq, text);
}

/** The job's deltas in order, skipping the first `skip` (those a reader already has). */
export function readOutput(sql: SqlStorage, jobId: string, skip = 0): string[] {
	return sql
		.exec<{ text: string }>(
			"SELECT text FROM job_output WHERE job_id = ? ORDER BY seq LIMIT -1 OFFSET ?",
			jobId,
			Math.max(0, skip),
		)
		.toArray()
		.map((row) => row.text);
}

/** The job's whole output text. */
export function outputText(sql: SqlStorage, jobId: string): string {
	return readOutput(sql, jobId).join("");
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
