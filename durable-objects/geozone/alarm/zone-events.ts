/**
 * The console's events from a zone's alarm: leases that expired (the job was
 * re-queued or ended) and nodes that went silent. Written to D1 `events` in
 * one batch by the alarm, off every request's path; a failure is logged only.
 */

import { log } from "../../../src/protocol/log-line.js";

/** What the alarm saw that the event log records. */
export interface ZoneEventInput {
	requeued: readonly string[];
	ended: readonly string[];
	nodesGone: readonly string[];
}

/** Most events one alarm writes: a mass expiry is summed up in the last line. */
const MAX_EVENTS_PER_ALARM = 20;

/** Inserts the alarm's events; never throws. */
export async function recordZoneEvents(
	d1: D1Database,
	zoneId: string,
	input: ZoneEventInput,
	now: number,
): Promise<void> {
	const lines: { kind: string; nodeId: string | null; jobId: string | null; message: string }[] = [
		...input.nodesGone.map((nodeId) => ({
			kind: "node_left",
			nodeId,
			jobId: null,
			message: `node ${nodeId} in ${zoneId} went silent`,
		})),
		...input.requeued.map((jobId) => ({
			kind: "lease_expired",
			nodeId: null,
			jobId,
			message: `lease of job ${jobId} in ${zoneId} expired; re-queued`,
		})),
		...input.ended.map((jobId) => ({
			kind: "lease_expired",
			nodeId: null,
			jobId,
			message: `lease of job ${jobId} in ${zoneId} expired; out of attempts, ended`,
		})),
	];
	if (lines.length === 0) return;
	const kept = lines.slice(0, MAX_EVENTS_PER_ALARM);
	if (lines.length > kept.length) {
		kept.push({
			kind: "lease_expired",
			nodeId: null,
			jobId: null,
			message: `${lines.length - kept.length} more expiries in ${zoneId} in the same alarm`,
		});
	}
	try {
		const stmt = d1.prepare(
			"INSERT INTO events (at, kind, zone_id, node_id, job_id, message) VALUES (?, ?, ?, ?, ?, ?)",
		);
		await d1.batch(kept.map((e) => stmt.bind(now, e.kind, zoneId, e.nodeId, e.jobId, e.message)));
	} catch (error) {
		log("error", "events_not_recorded", { zone: zoneId, events: kept.length, error });
	}
}
