/**
 * The console's job_failover event: a job that ran in another zone than the
 * first one tried, because that zone refused it or failed before any output.
 */
import type { NewEvent } from "../db/events.js";
import type { Dispatched } from "./dispatch.js";

/** The event of a dispatch that failed over, or null when the first zone took the job. */
export function failoverEvent(dispatched: Pick<Dispatched, "zoneId" | "jobId" | "decision">): NewEvent | null {
	const refused = dispatched.decision.refused;
	if (refused.length === 0) return null;
	const why = refused.map((r) => `${r.zoneId}: ${r.reason}`).join(", ");
	return {
		kind: "job_failover",
		zoneId: dispatched.zoneId,
		jobId: dispatched.jobId,
		message: `job ${dispatched.jobId} failed over to ${dispatched.zoneId} after ${why}`,
	};
}
