/**
 * Reads what the edge persisted, after it stopped: every GeozoneDO's SQLite
 * (the durable copy of every accepted job, with its output) and the D1
 * database (the job history), straight from Miniflare's persist directory
 * with node:sqlite. No API of the edge is needed, and nothing the edge could
 * still be doing changes the answer while it is read.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

/** One job row of a zone's SQLite, with its output. */
export interface ZoneJob {
	/** File the row came from (one per GeozoneDO). */
	source: string;
	jobId: string;
	kind: string;
	status: string;
	attempts: number;
	nodeId: string | null;
	errorCode: string | null;
	historyPending: number;
	/** The request's last user message: its first word is the chaos tag. */
	prompt: string;
	/** The stored deltas in seq order, and their seqs. */
	output: string[];
	outputSeqs: number[];
}

/** One row of D1 `jobs`. */
export interface HistoryJob {
	id: string;
	status: string;
	zoneId: string;
	attempts: number;
	errorCode: string | null;
}

/** Everything read from the persist directory. */
export interface PersistedState {
	zoneJobs: ZoneJob[];
	history: Map<string, HistoryJob>;
	/** D1 `async_jobs`: Idempotency-Key (the chaos tag) → the async job's id. */
	asyncIdsByKey: Map<string, string>;
	/** SQLite files that were neither a zone nor D1 (listed for diagnosis). */
	otherFiles: string[];
}

function sqliteFiles(dir: string): string[] {
	const out: string[] = [];
	for (const name of readdirSync(dir)) {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) out.push(...sqliteFiles(path));
		else if (name.endsWith(".sqlite")) out.push(path);
	}
	return out;
}

function tables(db: DatabaseSync): Set<string> {
	const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
	return new Set(rows.map((r) => r.name));
}

function lastUserPrompt(request: string): string {
	try {
		const parsed = JSON.parse(request) as { messages?: { role?: string; content?: unknown }[] };
		const user = [...(parsed.messages ?? [])].reverse().find((m) => m.role === "user");
		return typeof user?.content === "string" ? user.content : "";
	} catch {
		return "";
	}
}

/** The text of a stored chat or text completion response, or null without one. */
function responseContent(response: string | number | null | undefined): string | null {
	if (typeof response !== "string") return null;
	try {
		const parsed = JSON.parse(response) as { choices?: { message?: { content?: unknown }; text?: unknown }[] };
		const choice = parsed.choices?.[0];
		const content = choice?.message?.content ?? choice?.text;
		return typeof content === "string" ? content : null;
	} catch {
		return null;
	}
}

function readZone(db: DatabaseSync, source: string): ZoneJob[] {
	const outputs = new Map<string, { seq: number; text: string }[]>();
	for (const row of db.prepare("SELECT job_id, seq, text FROM job_output ORDER BY job_id, seq").all() as {
		job_id: string;
		seq: number;
		text: string;
	}[]) {
		const list = outputs.get(row.job_id) ?? [];
		list.push({ seq: Number(row.seq), text: row.text });
		outputs.set(row.job_id, list);
	}
	// An unstreamed job's answer is its relayed backend response (schema step 6), not output rows.
	const hasResponse = (db.prepare("SELECT name FROM pragma_table_info('jobs')").all() as { name: string }[]).some(
		(c) => c.name === "response",
	);
	const rows = db
		.prepare(
			`SELECT job_id, kind, status, attempts, node_id, error_code, history_pending, request${hasResponse ? ", response" : ""} FROM jobs`,
		)
		.all() as Record<string, string | number | null>[];
	return rows.map((r) => {
		const jobId = String(r.job_id);
		const answered = responseContent(r.response);
		const out = outputs.get(jobId) ?? (answered !== null ? [{ seq: 0, text: answered }] : []);
		return {
			source,
			jobId,
			kind: String(r.kind),
			status: String(r.status),
			attempts: Number(r.attempts),
			nodeId: r.node_id === null ? null : String(r.node_id),
			errorCode: r.error_code === null ? null : String(r.error_code),
			historyPending: Number(r.history_pending),
			prompt: lastUserPrompt(String(r.request)),
			output: out.map((o) => o.text),
			outputSeqs: out.map((o) => o.seq),
		};
	});
}

/** Reads every zone's jobs and D1's `jobs` from `persistDir`; the edge must be stopped. */
export function readPersistedState(persistDir: string): PersistedState {
	const state: PersistedState = { zoneJobs: [], history: new Map(), asyncIdsByKey: new Map(), otherFiles: [] };
	for (const file of sqliteFiles(persistDir)) {
		const db = new DatabaseSync(file, { readOnly: true });
		try {
			const names = tables(db);
			if (names.has("jobs") && names.has("job_output")) state.zoneJobs.push(...readZone(db, file));
			else if (names.has("jobs") && names.has("d1_migrations")) {
				const rows = db.prepare("SELECT id, status, zone_id, attempts, error_code FROM jobs").all() as Record<
					string,
					string | number | null
				>[];
				for (const r of rows)
					state.history.set(String(r.id), {
						id: String(r.id),
						status: String(r.status),
						zoneId: String(r.zone_id),
						attempts: Number(r.attempts),
						errorCode: r.error_code === null ? null : String(r.error_code),
					});
				if (names.has("async_jobs"))
					for (const r of db.prepare("SELECT id, idempotency_key FROM async_jobs").all() as Record<
						string,
						string | null
					>[])
						if (r.idempotency_key) state.asyncIdsByKey.set(r.idempotency_key, String(r.id));
			} else state.otherFiles.push(file);
		} finally {
			db.close();
		}
	}
	return state;
}
