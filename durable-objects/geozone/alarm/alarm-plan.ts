/**
 * The zone's single alarm: a Durable Object has one, so it must fire at the
 * earliest of everything that is due. Pure, so the rule is unit-testable.
 */

export interface AlarmInputs {
	/** Epoch ms now. */
	now: number;
	/** Earliest expiry of a held lease. */
	nextLeaseExpiry: number | null;
	/** Earliest moment a live node without an open poll stops being live. */
	nextNodeStaleAt: number | null;
	/** When history and zone_status should be written to D1. */
	flushDueAt: number | null;
	/** When the oldest flushed, finished job may be deleted. */
	nextPurgeAt: number | null;
	/** When async-job retention work is next due (a queue deadline, the end of a retention). */
	nextAsyncDueAt?: number | null;
	/** When reader-less sync jobs are cancelled (detached-jobs.ts); null when there are none. */
	nextDetachedDeadline?: number | null;
	/** When a job's queue-wait or first-token deadline is next due (job-deadlines.ts). */
	nextDeadlineAt?: number | null;
	/** When queued jobs of a model no node here serves are next handed back (zone-handback.ts). */
	nextHandbackAt?: number | null;
	/** When the oldest telemetry minute held closes and goes to D1 (telemetry/minute-flush.ts). */
	nextTelemetryFlushAt?: number | null;
}

/** The time the alarm should fire, never in the past; null when nothing is due. */
export function planAlarm(inputs: AlarmInputs): number | null {
	let earliest: number | null = null;
	for (const at of [
		inputs.nextLeaseExpiry,
		inputs.nextNodeStaleAt,
		inputs.flushDueAt,
		inputs.nextPurgeAt,
		inputs.nextAsyncDueAt ?? null,
		inputs.nextDetachedDeadline ?? null,
		inputs.nextDeadlineAt ?? null,
		inputs.nextHandbackAt ?? null,
		inputs.nextTelemetryFlushAt ?? null,
	]) {
		if (at === null) continue;
		if (earliest === null || at < earliest) earliest = at;
	}
	return earliest === null ? null : Math.max(earliest, inputs.now);
}
