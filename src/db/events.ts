/**
 * The console's event log in D1 `events`. Writers call recordEvent inside
 * waitUntil, off the request's path; a failed write is logged, never thrown,
 * since losing one log line must not fail the work it describes.
 */

import { log } from "../protocol/log-line.js";

/** The kinds of event the console shows. */
export const EVENT_KINDS = [
	"node_joined",
	"node_left",
	"node_revoked",
	"lease_expired",
	"job_failover",
	"carbon_stale",
	"key_refused",
	"zone_enabled",
	"zone_disabled",
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface NewEvent {
	kind: EventKind;
	message: string;
	zoneId?: string | null;
	nodeId?: string | null;
	jobId?: string | null;
	at?: number;
}

/** Appends events; never throws. */
export async function recordEvents(env: Pick<Env, "DB">, list: readonly NewEvent[]): Promise<void> {
	if (list.length === 0) return;
	try {
		const stmt = env.DB.prepare(
			"INSERT INTO events (at, kind, zone_id, node_id, job_id, message) VALUES (?, ?, ?, ?, ?, ?)",
		);
		await env.DB.batch(
			list.map((e) =>
				stmt.bind(
					e.at ?? Date.now(),
					e.kind,
					e.zoneId ?? null,
					e.nodeId ?? null,
					e.jobId ?? null,
					e.message.slice(0, 500),
				),
			),
		);
	} catch (error) {
		log("error", "events_not_recorded", { events: list.length, error });
	}
}

/** Appends one event; never throws. */
export function recordEvent(env: Pick<Env, "DB">, event: NewEvent): Promise<void> {
	return recordEvents(env, [event]);
}
