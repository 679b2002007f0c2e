/**
 * Helpers for tests of a zone that loses its nodes while jobs queue there:
 * find the queued job, and make every node of the zone gone past the
 * hand-back grace.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";

const NODE_LIVE_MS = Number(env.NODE_LIVE_MS);
const HANDBACK_MS = Number(env.ZONE_HANDBACK_MS);

/** Waits (bounded) until `zoneId` holds a queued job, and returns its id. */
export async function queuedJobIn(zoneId: string): Promise<string> {
	const stub = env.GEOZONE.getByName(zoneId);
	for (let i = 0; i < 200; i++) {
		const id = await runInDurableObject(
			stub,
			(_i, s) =>
				s.storage.sql.exec<{ job_id: string }>("SELECT job_id FROM jobs WHERE status = 'queued'").toArray()[0]?.job_id,
		);
		if (id) return id;
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
	throw new Error(`no job was queued in ${zoneId}`);
}

/** Silences the zone's nodes past the liveness window and the hand-back grace, then runs its alarm. */
export async function loseEveryNode(zoneId: string): Promise<void> {
	const stub = env.GEOZONE.getByName(zoneId);
	await runInDurableObject(stub, (_i, s) => {
		s.storage.sql.exec("UPDATE nodes SET last_seen_at = ?", Date.now() - NODE_LIVE_MS - HANDBACK_MS - 1_000);
	});
	expect(await runDurableObjectAlarm(stub)).toBe(true);
}

/** Puts the queue deadline of `jobId` in the past and runs the zone's alarm, which ends the job `timeout`. */
export async function passQueueDeadline(zoneId: string, jobId: string): Promise<void> {
	const stub = env.GEOZONE.getByName(zoneId);
	await runInDurableObject(stub, (_i, s) => {
		s.storage.sql.exec("UPDATE jobs SET queue_deadline_at = 1 WHERE job_id = ?", jobId);
	});
	await runDurableObjectAlarm(stub);
}
