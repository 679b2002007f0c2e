/**
 * Writes the zone's closed telemetry minutes to D1 `node_telemetry_minutes`
 * from the alarm, in one db.batch, then deletes them here. The open minute
 * stays until it closes; a failed write is retried after TELEMETRY_RETRY_MS,
 * and rows are deleted only after the batch succeeds (the D1 upsert makes a
 * repeated write harmless).
 */
import { nodeTelemetryMinutes } from "../../../src/db/schema.js";
import { log } from "../../../src/protocol/log-line.js";
import { tableUpsert } from "../alarm/history-upsert.js";
import { deleteMeta, readMeta, writeMeta } from "../schema.js";
import type { ZoneState } from "../zone-state.js";
import { ensureRollupTable, MINUTE_MS, TELEMETRY_DUE_KEY } from "./minute-rollup.js";

/** Most node-minutes written per alarm; the rest follow at the next one. */
export const TELEMETRY_FLUSH_ROWS = 100;

/** Delay before a failed D1 write of telemetry is tried again. */
export const TELEMETRY_RETRY_MS = 30_000;

/** Closed minutes older than this are dropped unwritten (D1 down that long), so the table stays bounded. */
export const TELEMETRY_LOCAL_MAX_AGE_MS = 24 * 3_600_000;

type MinuteRow = {
	node_id: string;
	minute: number;
	samples: number;
	gpus: number;
	util_sum: number;
	util_n: number;
	util_max: number | null;
	vram_sum: number;
	vram_n: number;
	vram_max: number | null;
	vram_total: number | null;
	temp_sum: number;
	temp_n: number;
	temp_max: number | null;
	power_sum: number;
	power_n: number;
	power_max: number | null;
	power_limit: number | null;
	tps_sum: number;
	tps_max: number;
	running_sum: number;
	running_max: number;
	queue_max: number;
	cpu_sum: number;
};

const upsert = tableUpsert(nodeTelemetryMinutes, ["node_id", "minute"]);

const mean = (total: number, n: number) => (n === 0 ? null : total / n);

/** The D1 row of one closed minute. */
export function minuteRecord(row: MinuteRow, zoneId: string): typeof nodeTelemetryMinutes.$inferInsert {
	return {
		nodeId: row.node_id,
		minute: row.minute,
		zoneId,
		samples: row.samples,
		gpus: row.gpus,
		utilPctAvg: mean(row.util_sum, row.util_n),
		utilPctMax: row.util_max,
		vramUsedMibAvg: mean(row.vram_sum, row.vram_n),
		vramUsedMibMax: row.vram_max,
		vramTotalMib: row.vram_total,
		tempCAvg: mean(row.temp_sum, row.temp_n),
		tempCMax: row.temp_max,
		powerWAvg: mean(row.power_sum, row.power_n),
		powerWMax: row.power_max,
		powerLimitW: row.power_limit,
		tokensPerSecondAvg: row.tps_sum / row.samples,
		tokensPerSecondMax: row.tps_max,
		runningJobsAvg: row.running_sum / row.samples,
		runningJobsMax: row.running_max,
		queueDepthMax: row.queue_max,
		cpuPctAvg: row.cpu_sum / row.samples,
	};
}

/** Start of the current minute: every row before it is closed. */
const openMinute = (now: number) => now - (now % MINUTE_MS);

/** When the alarm should next write telemetry: the end of the oldest minute held, or a failed write's retry. */
export function telemetryFlushDueAt(state: ZoneState): number | null {
	const due = readMeta(state.sql, TELEMETRY_DUE_KEY);
	return due === null ? null : Number(due);
}

/** Plans the next write from what the table still holds. */
function planNext(state: ZoneState): void {
	const oldest = state.sql.exec<{ at: number | null }>("SELECT min(minute) AS at FROM telemetry_minutes").one().at;
	if (oldest === null) deleteMeta(state.sql, TELEMETRY_DUE_KEY);
	else writeMeta(state.sql, TELEMETRY_DUE_KEY, String(oldest + MINUTE_MS));
}

/** What one flush did: node-minutes written, and those dropped for age. */
export interface TelemetryFlushReport {
	written: number;
	dropped: number;
}

/** Writes up to TELEMETRY_FLUSH_ROWS closed minutes to D1 in one batch. Throws if D1 fails (rows kept, retry planned). */
export async function flushTelemetry(state: ZoneState, d1: D1Database, zoneId: string): Promise<TelemetryFlushReport> {
	ensureRollupTable(state.sql);
	const now = state.now();
	const dropped = state.sql.exec(
		"DELETE FROM telemetry_minutes WHERE minute < ?",
		openMinute(now) - TELEMETRY_LOCAL_MAX_AGE_MS,
	).rowsWritten;
	if (dropped > 0)
		log("error", "telemetry_minutes_dropped", { zone: zoneId, dropped, reason: "D1 never took them (over 24 h old)" });
	const closed = state.sql
		.exec<MinuteRow>(
			"SELECT * FROM telemetry_minutes WHERE minute < ? ORDER BY minute, node_id LIMIT ?",
			openMinute(now),
			TELEMETRY_FLUSH_ROWS,
		)
		.toArray();
	if (closed.length === 0) {
		planNext(state);
		return { written: 0, dropped };
	}
	const statement = d1.prepare(upsert.sql);
	try {
		await d1.batch(closed.map((row) => statement.bind(...upsert.bindings(minuteRecord(row, zoneId)))));
	} catch (error) {
		writeMeta(state.sql, TELEMETRY_DUE_KEY, String(state.now() + TELEMETRY_RETRY_MS));
		throw error;
	}
	for (const row of closed) {
		state.sql.exec("DELETE FROM telemetry_minutes WHERE node_id = ? AND minute = ?", row.node_id, row.minute);
	}
	planNext(state);
	return { written: closed.length, dropped };
}
