/**
 * The Worker's Cron Trigger (every 5 minutes, see [triggers] in wrangler.toml): refreshes every
 * zone's carbon signal from the configured provider, deletes expired
 * async_jobs records, and prunes the history tables past their retention. The work runs under
 * `ctx.waitUntil` so the trigger returns at once. A bad carbon config is
 * logged and recorded on every zone (falling back to the catalogue
 * defaults), never thrown: routing must keep a figure to read.
 */
import { tickAllBatches } from "./batches/tick-all.js";
import { parseCarbonEnv } from "./carbon/config.js";
import { providerFromConfig } from "./carbon/provider-from-config.js";
import { type CarbonRefreshInput, formatRefreshSummary, refreshCarbon } from "./carbon/refresh.js";
import { failingZones, recordNewlyStale } from "./carbon/stale-events.js";
import { deleteExpiredAsyncJobs } from "./db/async-jobs.js";
import { database } from "./db/client.js";
import { formatPruneReport, pruneHistory } from "./history/retention.js";
import { log } from "./protocol/log-line.js";

/** Longest a refresh may wait on its provider before outstanding calls are cancelled (ms). */
const REFRESH_DEADLINE_MS = 60_000;

/** Refreshes `carbon_signals` once from `env`'s config; logs a one-line summary and never rejects. */
export async function runCarbonRefresh(env: Env): Promise<void> {
	let provider: CarbonRefreshInput["provider"];
	let maxAgeMs: number | undefined;
	let concurrency: number | undefined;
	try {
		const cfg = parseCarbonEnv(env);
		maxAgeMs = cfg.CARBON_MAX_AGE_MS;
		concurrency = cfg.CARBON_REFRESH_CONCURRENCY;
		provider = (defaults) => providerFromConfig(cfg, defaults);
	} catch (err) {
		// Recorded on every zone by the refresh (as a failing provider) and logged once here.
		const message = err instanceof Error ? err.message : String(err);
		log("error", "carbon_config_invalid", { error: message });
		provider = () => {
			throw new Error(message);
		};
	}
	const failingBefore = await failingZones(env).catch(() => new Set<string>());
	const summary = await refreshCarbon({
		db: database(env),
		provider,
		maxAgeMs,
		concurrency,
		signal: AbortSignal.timeout(REFRESH_DEADLINE_MS),
	});
	log(summary.error ? "error" : "info", "carbon_refresh", { summary: formatRefreshSummary(summary) });
	await recordNewlyStale(env, failingBefore);
}

/** Deletes D1 async_jobs rows past their retention (the zones delete the jobs themselves); logs, never rejects. */
export async function purgeExpiredAsyncJobs(env: Env, now = Date.now()): Promise<number> {
	try {
		const deleted = await deleteExpiredAsyncJobs(database(env), now);
		if (deleted > 0) log("info", "async_jobs_purged", { deleted });
		return deleted;
	} catch (err) {
		log("error", "async_jobs_purge_failed", { error: err });
		return 0;
	}
}

/** Prunes node telemetry and carbon signal history past their retention; logs one line, never rejects. */
export async function pruneHistoryTables(env: Env, now = Date.now()): Promise<void> {
	const report = await pruneHistory(env, now);
	const failed = Object.values(report).some((r) => typeof r !== "number");
	log(failed ? "error" : "info", "history_pruned", { report: formatPruneReport(report) });
}

/** The `scheduled` handler: every minute the batch scheduler's tick; every 5 minutes the carbon refresh and purges too. */
export const scheduled: ExportedHandlerScheduledHandler<Env> = (controller, env, ctx) => {
	ctx.waitUntil(tickAllBatches(env));
	if (controller.cron === "* * * * *") return;
	ctx.waitUntil(runCarbonRefresh(env));
	ctx.waitUntil(purgeExpiredAsyncJobs(env));
	ctx.waitUntil(pruneHistoryTables(env));
};
