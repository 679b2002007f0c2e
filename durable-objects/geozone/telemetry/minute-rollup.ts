/**
 * Per-node telemetry summed per UTC minute in the zone's own SQLite: one row
 * upsert per telemetry message (no D1 call on the heartbeat's path). The
 * alarm writes the closed minutes to D1 and deletes them here (minute-flush.ts).
 * The table is created on first use, apart from the versioned job schema.
 */
import type { GpuReading, TelemetryRequest } from "../../../src/protocol/agent-wire.js";
import { readMeta, writeMeta } from "../schema.js";

export const MINUTE_MS = 60_000;

/** Meta key: when the oldest minute held closes (or a failed write is retried); kept in meta so planning reads no table. */
export const TELEMETRY_DUE_KEY = "telemetry_due_at";

/** What one telemetry message adds to its minute; null where no GPU reported the figure. */
export interface TelemetrySample {
	gpus: number;
	utilPct: number | null;
	vramUsedMib: number | null;
	vramTotalMib: number | null;
	tempC: number | null;
	powerW: number | null;
	powerLimitW: number | null;
	tokensPerSecond: number;
	running: number;
	queueDepth: number;
	cpuPct: number;
}

const ensured = new WeakSet<SqlStorage>();

/** Creates the rollup table once per storage handle. */
export function ensureRollupTable(sql: SqlStorage): void {
	if (ensured.has(sql)) return;
	sql.exec(`CREATE TABLE IF NOT EXISTS telemetry_minutes (
		node_id TEXT NOT NULL, minute INTEGER NOT NULL, samples INTEGER NOT NULL, gpus INTEGER NOT NULL,
		util_sum REAL NOT NULL, util_n INTEGER NOT NULL, util_max REAL,
		vram_sum REAL NOT NULL, vram_n INTEGER NOT NULL, vram_max REAL, vram_total REAL,
		temp_sum REAL NOT NULL, temp_n INTEGER NOT NULL, temp_max REAL,
		power_sum REAL NOT NULL, power_n INTEGER NOT NULL, power_max REAL, power_limit REAL,
		tps_sum REAL NOT NULL, tps_max REAL NOT NULL, running_sum REAL NOT NULL, running_max INTEGER NOT NULL,
		queue_max INTEGER NOT NULL, cpu_sum REAL NOT NULL,
		PRIMARY KEY (node_id, minute)
	) WITHOUT ROWID`);
	ensured.add(sql);
}

function readings(gpus: readonly GpuReading[], pick: (gpu: GpuReading) => number | null): number[] {
	return gpus.map(pick).filter((v): v is number => v !== null);
}

const sum = (values: number[]) => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0));

/** A message's figures for the node as a whole: mean utilisation, summed VRAM and power, the hottest GPU. */
export function telemetrySample(
	input: Pick<TelemetryRequest, "gpus" | "host" | "tokensPerSecond" | "queueDepth" | "running">,
): TelemetrySample {
	const util = readings(input.gpus, (g) => g.utilizationPct);
	const temps = readings(input.gpus, (g) => g.temperatureC);
	return {
		gpus: input.gpus.length,
		utilPct: util.length === 0 ? null : (sum(util) ?? 0) / util.length,
		vramUsedMib: sum(readings(input.gpus, (g) => g.memoryUsedMiB)),
		vramTotalMib: sum(readings(input.gpus, (g) => g.memoryTotalMiB)),
		tempC: temps.length === 0 ? null : Math.max(...temps),
		powerW: sum(readings(input.gpus, (g) => g.powerDrawW)),
		powerLimitW: sum(readings(input.gpus, (g) => g.powerLimitW)),
		tokensPerSecond: input.tokensPerSecond,
		running: input.running.length,
		queueDepth: input.queueDepth,
		cpuPct: input.host.cpuPct,
	};
}

/** The larger of a stored and a new maximum, either of which may be null. */
const maxOf = (column: string) => `coalesce(max(${column}, excluded.${column}), ${column}, excluded.${column})`;

const UPSERT = `INSERT INTO telemetry_minutes (node_id, minute, samples, gpus, util_sum, util_n, util_max,
	vram_sum, vram_n, vram_max, vram_total, temp_sum, temp_n, temp_max, power_sum, power_n, power_max, power_limit,
	tps_sum, tps_max, running_sum, running_max, queue_max, cpu_sum)
	VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (node_id, minute) DO UPDATE SET samples = samples + 1, gpus = excluded.gpus,
	util_sum = util_sum + excluded.util_sum, util_n = util_n + excluded.util_n, util_max = ${maxOf("util_max")},
	vram_sum = vram_sum + excluded.vram_sum, vram_n = vram_n + excluded.vram_n, vram_max = ${maxOf("vram_max")},
	vram_total = coalesce(excluded.vram_total, vram_total),
	temp_sum = temp_sum + excluded.temp_sum, temp_n = temp_n + excluded.temp_n, temp_max = ${maxOf("temp_max")},
	power_sum = power_sum + excluded.power_sum, power_n = power_n + excluded.power_n, power_max = ${maxOf("power_max")},
	power_limit = coalesce(excluded.power_limit, power_limit),
	tps_sum = tps_sum + excluded.tps_sum, tps_max = max(tps_max, excluded.tps_max),
	running_sum = running_sum + excluded.running_sum, running_max = max(running_max, excluded.running_max),
	queue_max = max(queue_max, excluded.queue_max), cpu_sum = cpu_sum + excluded.cpu_sum`;

/** A nullable figure as (sum, count, max) columns. */
const triple = (value: number | null) => [value ?? 0, value === null ? 0 : 1, value];

/** Adds one message to the node's current minute: a single row upsert (and a meta write once per minute). */
export function recordTelemetry(sql: SqlStorage, nodeId: string, at: number, sample: TelemetrySample): void {
	ensureRollupTable(sql);
	const minute = at - (at % MINUTE_MS);
	if (readMeta(sql, TELEMETRY_DUE_KEY) === null) writeMeta(sql, TELEMETRY_DUE_KEY, String(minute + MINUTE_MS));
	sql.exec(
		UPSERT,
		nodeId,
		minute,
		sample.gpus,
		...triple(sample.utilPct),
		...triple(sample.vramUsedMib),
		sample.vramTotalMib,
		...triple(sample.tempC),
		...triple(sample.powerW),
		sample.powerLimitW,
		sample.tokensPerSecond,
		sample.tokensPerSecond,
		sample.running,
		sample.running,
		sample.queueDepth,
		sample.cpuPct,
	);
}
