/**
 * How long a job waits between the Worker receiving it and a node taking it,
 * and the later phases of its life, read from the system of record: D1
 * `jobs.received_at`, `leased_at`, `first_token_at` and `finished_at` of the
 * benchmark's own job ids. Both stamps are taken inside workerd (Worker
 * and GeozoneDO); the poll response's trip to the agent over loopback is not
 * included. D1 is written off the hot path, so this waits for the rows.
 */
import { waitFor } from "../test/support/wait.js";
import { type Summary, summarize } from "./stats.js";

/** Phases of a job as D1 records them, each summarised in ms. */
export interface JobPhases {
	/** leased_at − received_at: Worker receipt to a node's lease (the dispatch delay). */
	dispatch: Summary;
	/** first_token_at − leased_at: lease to the first output reaching the GeozoneDO. */
	leaseToFirstToken: Summary;
	/** finished_at − received_at: the job's whole life inside the edge and the node. */
	receivedToFinished: Summary;
	/** Jobs that had leased_at in D1, out of those asked for. */
	found: number;
	wanted: number;
}

const span = (rows: Record<string, unknown>[], from: string, to: string) =>
	summarize(
		rows.flatMap((r) => {
			const a = r[from];
			const b = r[to];
			return typeof a === "number" && typeof b === "number" ? [b - a] : [];
		}),
	);

function emptyPhases() {
	return { dispatch: summarize([]), leaseToFirstToken: summarize([]), receivedToFinished: summarize([]) };
}

/** Runs one SQL statement against the edge's D1 and returns its rows. */
export type QueryD1 = (sql: string) => Promise<Record<string, unknown>[]>;

/** The D1 timings of `jobIds`, read with `query`; waits up to `timeoutMs` (default 60 s) for the history flush. */
export async function jobPhases(query: QueryD1, jobIds: readonly string[], timeoutMs = 60_000): Promise<JobPhases> {
	const ids = jobIds.filter((id) => /^job_[a-z0-9]+$/.test(id));
	const sql = `SELECT id, received_at, leased_at, first_token_at, finished_at FROM jobs WHERE leased_at IS NOT NULL AND id IN (${ids.map((id) => `'${id}'`).join(",")})`;
	let rows: Record<string, unknown>[] = [];
	if (ids.length === 0) return { ...emptyPhases(), found: 0, wanted: 0 };
	try {
		rows = await waitFor(
			`${ids.length} job rows with leased_at in D1`,
			async () => {
				rows = await query(sql);
				return rows.length >= ids.length ? rows : undefined;
			},
			{ timeoutMs, intervalMs: 2_000 },
		);
	} catch {
		// Report what did arrive; the caller prints found/wanted so a shortfall is visible.
	}
	return {
		dispatch: span(rows, "received_at", "leased_at"),
		leaseToFirstToken: span(rows, "leased_at", "first_token_at"),
		receivedToFinished: span(rows, "received_at", "finished_at"),
		found: rows.length,
		wanted: ids.length,
	};
}
