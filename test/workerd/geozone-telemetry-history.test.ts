/**
 * The zone's per-minute telemetry rollup: heartbeats summed in the object's
 * SQLite, closed minutes written to D1 `node_telemetry_minutes` by the alarm
 * in one batch, the open minute kept, and a failed write kept for a retry.
 * The clock is the test's, through the zone state the modules take.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runAlarm } from "../../durable-objects/geozone/alarm/alarm-run.js";
import { parseGeozoneConfig } from "../../durable-objects/geozone/config.js";
import { OutputStreams } from "../../durable-objects/geozone/jobs/output-streams.js";
import { heartbeat } from "../../durable-objects/geozone/nodes/node-ops.js";
import { Waiters } from "../../durable-objects/geozone/nodes/waiters.js";
import {
	flushTelemetry,
	TELEMETRY_RETRY_MS,
	telemetryFlushDueAt,
} from "../../durable-objects/geozone/telemetry/minute-flush.js";
import type { ZoneState } from "../../durable-objects/geozone/zone-state.js";
import type { GpuReading } from "../../src/protocol/agent-wire.js";
import { heartbeatInput, newNodeId, newZoneId, zoneStub } from "./geozone-fixtures.js";

const MINUTE = Date.parse("2026-11-20T10:15:00Z");

function gpu(index: number, util: number | null, tempC: number | null, powerW: number | null): GpuReading {
	return {
		index,
		name: "NVIDIA L4",
		utilizationPct: util,
		memoryUsedMiB: 1000 * (index + 1),
		memoryTotalMiB: 24_000,
		temperatureC: tempC,
		powerDrawW: powerW,
		powerLimitW: 72,
	};
}

/** A zone state over the object's storage whose clock the test sets. */
function clockedState(s: DurableObjectState): { state: ZoneState; at: (ms: number) => void } {
	let now = 0;
	const state: ZoneState = {
		sql: s.storage.sql,
		config: parseGeozoneConfig(env),
		waiters: new Waiters(),
		streams: new OutputStreams(),
		now: () => now,
		afterBackgroundChange: () => undefined,
	};
	return { state, at: (ms) => (now = ms) };
}

function beat(zoneId: string, nodeId: string, gpus: GpuReading[], tokensPerSecond: number, running: number) {
	return {
		...heartbeatInput(zoneId, nodeId, []),
		gpus,
		tokensPerSecond,
		queueDepth: running,
		running: Array.from({ length: running }, (_, i) => ({ jobId: `job_${i}`, leaseId: `lease_${i}` })),
	};
}

const d1Rows = (zoneId: string) =>
	env.DB.prepare("SELECT * FROM node_telemetry_minutes WHERE zone_id = ? ORDER BY minute, node_id")
		.bind(zoneId)
		.all()
		.then((r) => r.results);

describe("GeozoneDO telemetry per minute", () => {
	it("sums a minute's heartbeats and writes only the closed minute to D1", async () => {
		const zoneId = newZoneId();
		const nodeId = newNodeId();
		const stub = zoneStub(zoneId);
		await stub.summary(zoneId);
		const report = await runInDurableObject(stub, async (_i, s) => {
			const { state, at } = clockedState(s);
			at(MINUTE + 5_000);
			// Two GPUs: the node's utilisation is their mean, power and VRAM their sum, temperature the hotter one.
			heartbeat(state, beat(zoneId, nodeId, [gpu(0, 40, 60, 30), gpu(1, 80, 70, 50)], 100, 2));
			at(MINUTE + 35_000);
			// One GPU reads [N/A] for utilisation and power: the minute's figures count only what was read.
			heartbeat(state, beat(zoneId, nodeId, [gpu(0, 90, 86, 60), gpu(1, null, 80, null)], 50, 4));
			at(MINUTE + 65_000);
			heartbeat(state, beat(zoneId, nodeId, [gpu(0, 10, 50, 20), gpu(1, 10, 50, 20)], 0, 0));
			expect(telemetryFlushDueAt(state)).toBe(MINUTE + 60_000);
			const alarm = await runAlarm(state, env.DB, zoneId);
			return { telemetry: alarm.telemetry, due: telemetryFlushDueAt(state) };
		});
		expect(report).toEqual({ telemetry: { written: 1, dropped: 0 }, due: MINUTE + 120_000 });
		expect(await d1Rows(zoneId)).toEqual([
			{
				node_id: nodeId,
				minute: MINUTE,
				zone_id: zoneId,
				samples: 2,
				gpus: 2,
				util_pct_avg: 75, // (60 + 90) / 2
				util_pct_max: 90,
				vram_used_mib_avg: 3000,
				vram_used_mib_max: 3000,
				vram_total_mib: 48_000,
				temp_c_avg: 78, // (70 + 86) / 2
				temp_c_max: 86,
				power_w_avg: 70, // (80 + 60) / 2
				power_w_max: 80,
				power_limit_w: 144,
				tokens_per_second_avg: 75,
				tokens_per_second_max: 100,
				running_jobs_avg: 3,
				running_jobs_max: 4,
				queue_depth_max: 4,
				cpu_pct_avg: 12,
			},
		]);
	});

	it("keeps a minute D1 refused and plans its retry, then writes it", async () => {
		const zoneId = newZoneId();
		const nodeId = newNodeId();
		const stub = zoneStub(zoneId);
		await stub.summary(zoneId);
		const failing = {
			prepare: (sql: string) => env.DB.prepare(sql),
			batch: () => Promise.reject(new Error("D1 is down")),
		} as unknown as D1Database;
		const due = await runInDurableObject(stub, async (_i, s) => {
			const { state, at } = clockedState(s);
			at(MINUTE + 1_000);
			heartbeat(state, beat(zoneId, nodeId, [gpu(0, 50, 60, 40)], 10, 1));
			at(MINUTE + 61_000);
			await expect(flushTelemetry(state, failing, zoneId)).rejects.toThrow("D1 is down");
			const retryAt = telemetryFlushDueAt(state);
			at(MINUTE + 100_000);
			const retried = await flushTelemetry(state, env.DB, zoneId);
			return { retryAt, retried, after: telemetryFlushDueAt(state) };
		});
		expect(due).toEqual({
			retryAt: MINUTE + 61_000 + TELEMETRY_RETRY_MS,
			retried: { written: 1, dropped: 0 },
			after: null,
		});
		expect((await d1Rows(zoneId)).map((r) => r.minute)).toEqual([MINUTE]);
	});

	it("plans the zone's alarm by the end of a heartbeat's minute", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const before = Date.now();
		await stub.heartbeat(beat(zoneId, newNodeId(), [gpu(0, 50, 60, 40)], 10, 0));
		const after = Date.now();
		const alarm = await runInDurableObject(stub, (_i, s) => s.storage.getAlarm());
		// The minute's end, or (a heartbeat right at a minute's turn) the next one's; the node's liveness may come first.
		expect(alarm).not.toBeNull();
		expect(alarm ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(after - (after % 60_000) + 60_000);
		expect(alarm ?? 0).toBeGreaterThan(before - 1);
		const held = await runInDurableObject(stub, (_i, s) =>
			s.storage.sql.exec("SELECT count(*) AS n FROM telemetry_minutes").one(),
		);
		expect(held.n).toBe(1);
	});
});
