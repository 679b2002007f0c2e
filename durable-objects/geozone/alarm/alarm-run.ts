/**
 * What the zone's alarm does, in order: take back lapsed leases, cancel
 * sync jobs no reader re-attached to after a restart, end jobs past their
 * deadline, dispatch what they freed, mark silent nodes gone, hand back the
 * queued jobs of models no node here serves any more (async ones are handed
 * to another zone), write history and zone_status to D1, write the closed
 * telemetry minutes to D1, deliver due async-job webhooks, and purge old finished jobs (async ones
 * after JOB_RETENTION_MS). A D1 failure is logged and retried later;
 * the lease work is already committed by then.
 */

import { log } from "../../../src/protocol/log-line.js";
import { type HandoffReport, handOffAsyncJobs } from "../async-jobs/async-handoff.js";
import { asyncDueAt, expireQueuedAsync, planAsyncDue, purgeExpiredAsync } from "../async-jobs/async-job-retention.js";
import { deliverDueWebhooks, nextWebhookAt } from "../async-jobs/webhook-queue.js";
import type { AsyncJobConfig } from "../config.js";
import { cancelDetachedJobs, nextDetachedDeadline } from "../jobs/detached-jobs.js";
import { dispatchQueued } from "../jobs/dispatch.js";
import { expireDeadlines, nextDeadlineAt, planDeadlines } from "../jobs/job-deadlines.js";
import { expireLeases, nextLeaseExpiry } from "../jobs/leases.js";
import { handBackOrphans, handbackDueAt, planHandback } from "../jobs/zone-handback.js";
import { expireStaleNodes, nextNodeStaleAt } from "../nodes/node-table.js";
import { flushTelemetry, type TelemetryFlushReport, telemetryFlushDueAt } from "../telemetry/minute-flush.js";
import { flushDueAt, markFlushDue, type ZoneState } from "../zone-state.js";
import { type AlarmInputs, planAlarm } from "./alarm-plan.js";
import { flushHistory, nextPurgeAt, purgeFinished } from "./history-flush.js";
import { recordZoneEvents } from "./zone-events.js";

export interface AlarmReport {
	requeued: string[];
	ended: string[];
	nodesGone: string[];
	flushed: number | "skipped" | "failed";
	/** Closed telemetry minutes written to D1 (telemetry/minute-flush.ts). */
	telemetry: TelemetryFlushReport | "skipped" | "failed";
	purged: number;
	/** Async jobs expired in the queue, and async jobs deleted after their retention. */
	asyncExpired: string[];
	asyncPurged: number;
	/** Webhooks delivered, and given up after WEBHOOK_MAX_ATTEMPTS. */
	webhooksDelivered: string[];
	webhooksFailed: string[];
	/** Sync jobs cancelled because no reader re-attached after a restart (detached-jobs.ts). */
	detached: string[];
	/** Jobs ended with `timeout` at their queue-wait or first-token deadline (job-deadlines.ts). */
	timedOut: string[];
	/** Queued sync jobs handed back (`no_capacity`) because no node here serves their model any more. */
	handedBack: string[];
	/** Queued async jobs handed to another zone, failed for want of one, or left for the next alarm. */
	handoff: HandoffReport;
}

/** Async jobs handed on per alarm at most (each costs a D1 write and an RPC); the rest go at the next one. */
const MAX_HANDOFFS_PER_ALARM = 16;
/** How soon the alarm retries a handoff left pending. */
const HANDOFF_RETRY_MS = 1_000;

/** What the alarm needs to hand async jobs to other zones. */
export type AlarmEnv = Pick<Env, "DB" | "GEOZONE" | "GEOZONE_EU_ZONES">;

/** Runs one alarm. `zoneId` is null until the object has served an RPC; then nothing is flushed. */
export async function runAlarm(
	state: ZoneState,
	d1: D1Database,
	zoneId: string | null,
	asyncConfig?: AsyncJobConfig,
	env?: AlarmEnv,
): Promise<AlarmReport> {
	const { requeued, ended } = expireLeases(state);
	const detached = cancelDetachedJobs(state);
	const asyncExpired = asyncConfig ? expireQueuedAsync(state) : [];
	const timedOut = expireDeadlines(state);
	if (requeued.length > 0) dispatchQueued(state);
	const nodesGone = expireStaleNodes(state);
	if (nodesGone.length > 0) markFlushDue(state);
	const handback = handBackOrphans(state);
	const toHandOff = env && zoneId !== null ? handback.asyncToHandOff.slice(0, MAX_HANDOFFS_PER_ALARM) : [];
	const handoff: HandoffReport =
		env && zoneId !== null && toHandOff.length > 0
			? await handOffAsyncJobs(state, env, zoneId, toHandOff)
			: { moved: [], failed: [], pending: [] };
	if (handoff.moved.length > 0) markFlushDue(state);
	const retryHandoff =
		handoff.pending.length > 0 || handback.asyncToHandOff.length > toHandOff.length
			? state.now() + HANDOFF_RETRY_MS
			: null;
	planHandback(state, minOf(handback.nextAt, retryHandoff));
	planDeadlines(state);
	let flushed: AlarmReport["flushed"] = "skipped";
	const due = flushDueAt(state);
	// Flush whatever is pending even if the alarm fired early for a lease: it batches the same.
	if (zoneId !== null && due !== null) {
		try {
			flushed = await flushHistory(state, d1, zoneId, asyncConfig?.jobRetentionMs);
		} catch (error) {
			log("error", "history_flush_failed", { zone: zoneId, error });
			flushed = "failed";
		}
	}
	const telemetry = zoneId === null ? "skipped" : await flushClosedMinutes(state, d1, zoneId);
	if (zoneId !== null) await recordZoneEvents(d1, zoneId, { requeued, ended, nodesGone }, state.now());
	const webhooks =
		asyncConfig && zoneId !== null
			? await deliverDueWebhooks(state, asyncConfig, zoneId)
			: { delivered: [], failed: [] };
	const asyncPurged = asyncConfig ? purgeExpiredAsync(state, asyncConfig) : 0;
	if (asyncConfig) planAsyncDue(state, asyncConfig, nextWebhookAt(state));
	return {
		requeued,
		ended,
		nodesGone,
		flushed,
		telemetry,
		purged: purgeFinished(state),
		asyncExpired,
		asyncPurged,
		webhooksDelivered: webhooks.delivered,
		webhooksFailed: webhooks.failed,
		detached,
		timedOut,
		handedBack: handback.syncHandedBack,
		handoff,
	};
}

/** Writes the closed telemetry minutes once due; a D1 failure is logged and retried later. */
async function flushClosedMinutes(state: ZoneState, d1: D1Database, zoneId: string): Promise<AlarmReport["telemetry"]> {
	const due = telemetryFlushDueAt(state);
	if (due === null || due > state.now()) return "skipped";
	try {
		return await flushTelemetry(state, d1, zoneId);
	} catch (error) {
		log("error", "telemetry_flush_failed", { zone: zoneId, error, retry: true });
		return "failed";
	}
}

function minOf(a: number | null, b: number | null): number | null {
	if (a === null) return b;
	return b === null ? a : Math.min(a, b);
}

/** The inputs of the alarm plan, read from the zone's state now. */
export function alarmInputs(state: ZoneState): AlarmInputs {
	return {
		now: state.now(),
		nextLeaseExpiry: nextLeaseExpiry(state),
		nextNodeStaleAt: nextNodeStaleAt(state),
		flushDueAt: flushDueAt(state),
		nextPurgeAt: nextPurgeAt(state),
		nextAsyncDueAt: asyncDueAt(state),
		nextDetachedDeadline: nextDetachedDeadline(state),
		nextDeadlineAt: nextDeadlineAt(state),
		nextHandbackAt: handbackDueAt(state),
		nextTelemetryFlushAt: telemetryFlushDueAt(state),
	};
}

/** The time the zone's one alarm should be set to now (null: nothing is due). */
export function plannedAlarm(state: ZoneState): number | null {
	return planAlarm(alarmInputs(state));
}
