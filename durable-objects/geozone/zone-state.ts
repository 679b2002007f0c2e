/**
 * What every zone operation needs: the SQLite handle, the parsed config, the
 * in-memory waiters and output streams, and a clock. Plain modules take this
 * instead of the Durable Object, so they stay easy to test.
 */
import type { GeozoneConfig } from "./config.js";
import type { OutputStreams } from "./jobs/output-streams.js";
import type { Waiters } from "./nodes/waiters.js";
import { readMeta, writeMeta } from "./schema.js";

export interface ZoneState {
	sql: SqlStorage;
	config: GeozoneConfig;
	waiters: Waiters;
	streams: OutputStreams;
	/** Epoch ms; Date.now() in production. */
	now: () => number;
	/** Runs after a change made outside an RPC (a poll's wait ran out, a reader went away), to re-plan the alarm. */
	afterBackgroundChange: () => void;
}

/** How soon after a change the alarm writes history and zone_status to D1. */
export const FLUSH_DELAY_MS = 500;

/** How long finished jobs stay in SQLite after their flush, to answer late or duplicate posts. */
export const FINISHED_RETENTION_MS = 10 * 60_000;

/** Asks for a D1 flush within FLUSH_DELAY_MS; an earlier pending request stands. */
export function markFlushDue(state: ZoneState): void {
	const due = state.now() + FLUSH_DELAY_MS;
	const current = readMeta(state.sql, "flush_due_at");
	if (current !== null && Number(current) <= due) return;
	writeMeta(state.sql, "flush_due_at", String(due));
}

/** When a D1 flush is due, or null. */
export function flushDueAt(state: ZoneState): number | null {
	const value = readMeta(state.sql, "flush_due_at");
	return value === null ? null : Number(value);
}
