/**
 * The history tables' retention: the 5-minute Cron Trigger (through the
 * Worker's scheduled handler) deletes node telemetry minutes and carbon signal
 * history older than their retention vars and keeps the rest; a bad var skips
 * its table and names the var.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { pruneHistory } from "../../src/history/retention.js";
import worker from "../../src/index.js";

const DAY = 86_400_000;
const ZONE = "zz-retention";

async function seed(now: number, telemetryAgesDays: number[], signalAgesDays: number[]) {
	const minute = env.DB.prepare(
		`INSERT INTO node_telemetry_minutes (node_id, minute, zone_id, samples, gpus, tokens_per_second_avg,
		 tokens_per_second_max, running_jobs_avg, running_jobs_max, queue_depth_max, cpu_pct_avg)
		 VALUES ('node_r', ?, ?, 1, 1, 0, 0, 0, 0, 0, 0)`,
	);
	const signal = env.DB.prepare(
		`INSERT INTO carbon_signal_history (zone_id, fetched_at, grid_zone, gco2_per_kwh, source, valid_at)
		 VALUES (?, ?, 'DE', 300, 'electricitymaps', ?)`,
	);
	await env.DB.batch([
		...telemetryAgesDays.map((d) => minute.bind(now - d * DAY - (now % 60_000), ZONE)),
		...signalAgesDays.map((d) => signal.bind(ZONE, now - d * DAY, now - d * DAY)),
	]);
}

const ages = async (now: number) => ({
	telemetry: (
		await env.DB.prepare("SELECT minute FROM node_telemetry_minutes WHERE zone_id = ? ORDER BY minute DESC")
			.bind(ZONE)
			.all<{ minute: number }>()
	).results.map((r) => Math.round((now - r.minute) / DAY)),
	signals: (
		await env.DB.prepare("SELECT fetched_at FROM carbon_signal_history WHERE zone_id = ? ORDER BY fetched_at DESC")
			.bind(ZONE)
			.all<{ fetched_at: number }>()
	).results.map((r) => Math.round((now - r.fetched_at) / DAY)),
});

beforeEach(async () => {
	await env.DB.batch([
		env.DB.prepare("DELETE FROM node_telemetry_minutes"),
		env.DB.prepare("DELETE FROM carbon_signal_history"),
	]);
});

describe("history retention", () => {
	it("the 5-minute cron deletes telemetry past 30 days and signals past 90, and keeps the rest", async () => {
		const now = Date.now();
		await seed(now, [1, 29, 31, 400], [1, 89, 91]);
		const ctx = createExecutionContext();
		await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "*/5 * * * *" }), env, ctx);
		await waitOnExecutionContext(ctx);
		expect(await ages(now)).toEqual({ telemetry: [1, 29], signals: [1, 89] });
	});

	it("the every-minute cron prunes nothing", async () => {
		const now = Date.now();
		await seed(now, [31], [91]);
		const ctx = createExecutionContext();
		await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "* * * * *" }), env, ctx);
		await waitOnExecutionContext(ctx);
		expect(await ages(now)).toEqual({ telemetry: [31], signals: [91] });
	});

	it("follows the retention vars and skips a table whose var is bad", async () => {
		const now = Date.now();
		await seed(
			now,
			[3, 8],
			Array.from({ length: 12 }, (_, i) => 10 + i),
		);
		const report = await pruneHistory(
			{ DB: env.DB, HISTORY_TELEMETRY_RETENTION_DAYS: "7", HISTORY_CARBON_RETENTION_DAYS: "30 days" },
			now,
		);
		expect(report).toEqual({
			node_telemetry_minutes: 1,
			carbon_signal_history: {
				error: 'HISTORY_CARBON_RETENTION_DAYS: expected a whole number of days from 1 to 3650, got "30 days"',
			},
		});
		expect((await ages(now)).telemetry).toEqual([3]);
		expect((await ages(now)).signals).toHaveLength(12);
	});
});
