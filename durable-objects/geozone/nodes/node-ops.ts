/**
 * The node-facing operations of a zone: long-poll for jobs, heartbeat with
 * telemetry, and hand jobs back on shutdown.
 */
import type { LeasedJob } from "../../../src/protocol/agent-wire.js";
import type { HeartbeatInput, HeartbeatResult, PollInput, ReleaseInput, ReleaseResult } from "../contract.js";
import { dispatchQueued } from "../jobs/dispatch.js";
import { discardOutput } from "../jobs/job-output-store.js";
import { getJob, holdsLease, nextQueued } from "../jobs/job-queue.js";
import { failJob, requeueJob } from "../jobs/job-transitions.js";
import { leaseJobs, renewLease } from "../jobs/leases.js";
import { recordTelemetry, telemetrySample } from "../telemetry/minute-rollup.js";
import { markFlushDue, type ZoneState } from "../zone-state.js";
import { modelDetailsChanged } from "./model-details.js";
import { ownIntensity } from "./node-intensity.js";
import { servedByDetails, servedEndpoints, storedTelemetry } from "./node-serving.js";
import { markSeen, touchNode } from "./node-table.js";

/**
 * Leases up to maxJobs queued jobs the node serves (their model, on their
 * endpoint, as its last telemetry said); if there are none, waits
 * up to min(waitMs, POLL_MAX_WAIT_MS) for one. A newer poll of the same node
 * answers the older one [] so jobs never go to an abandoned poll.
 */
export function pollJobs(
	state: ZoneState,
	input: PollInput,
	sendNow?: (jobs: LeasedJob[]) => boolean,
): Promise<LeasedJob[]> {
	state.waiters.supersede(input.nodeId);
	if (touchNode(state, input.nodeId, input.models, input.slots)) markFlushDue(state);
	const telemetry = storedTelemetry(state, input.nodeId);
	const served = servedEndpoints(input.models, telemetry);
	const ready = nextQueued(state.sql, served, input.maxJobs);
	if (ready.length > 0) return Promise.resolve(leaseJobs(state, input.nodeId, ready));
	const waitMs = Math.min(input.waitMs, state.config.pollMaxWaitMs);
	if (waitMs === 0) return Promise.resolve([]);
	const ownGco2PerKwh = ownIntensity(telemetry);
	return new Promise<LeasedJob[]>((resolve) => {
		state.waiters.add(
			{
				nodeId: input.nodeId,
				served,
				maxJobs: input.maxJobs,
				resolve,
				...(sendNow ? { sendNow } : {}),
				...(ownGco2PerKwh !== undefined ? { ownGco2PerKwh } : {}),
			},
			waitMs,
			(nodeId) => {
				// The node was connected until now; its liveness window restarts here.
				markSeen(state, nodeId);
				state.afterBackgroundChange();
			},
		);
	});
}

/** Stores telemetry (and adds it to the node's minute), renews the leases the node really holds, lists jobs it must stop. */
export function heartbeat(state: ZoneState, input: HeartbeatInput): HeartbeatResult {
	const { running, models, slots, zoneId: _zone, nodeId, ...readings } = input;
	const becameLive = touchNode(state, nodeId, models, slots, { ...readings, at: state.now() });
	recordTelemetry(state.sql, nodeId, state.now(), telemetrySample(input));
	const detailsChanged = modelDetailsChanged(state.sql, nodeId, readings.modelDetails);
	if (detailsChanged || becameLive) markFlushDue(state);
	// A poll opened before these details (an agent polls before its first telemetry) serves what they say
	// from now on, and takes the queued jobs it now serves at once instead of at its next poll.
	if (detailsChanged && state.waiters.reserve(nodeId, servedByDetails(models, readings.modelDetails))) {
		dispatchQueued(state);
	}
	const leases: Record<string, number> = {};
	const cancel: string[] = [];
	for (const { jobId, leaseId } of running) {
		const expiresAt = renewLease(state, nodeId, jobId, leaseId);
		if (expiresAt === null) cancel.push(jobId);
		else leases[jobId] = expiresAt;
	}
	return { leases, cancel };
}

/**
 * Takes back jobs a node hands over on shutdown: unstarted ones are queued
 * again without counting the attempt and dispatched; sync jobs that already
 * produced output fail with `shutdown`, since a client's stream cannot be
 * resumed; async ones drop their partial output and are queued again (the
 * attempt counts).
 */
export function releaseJobs(state: ZoneState, input: ReleaseInput): ReleaseResult {
	const result: ReleaseResult = { requeued: [], failed: [], notHeld: [] };
	for (const { jobId, leaseId } of input.leases) {
		const row = getJob(state.sql, jobId);
		if (!row || !holdsLease(row, input.nodeId, leaseId)) {
			result.notHeld.push(jobId);
		} else if (row.has_output === 1 && row.kind === "sync") {
			failJob(state, jobId, "failed", "shutdown", `node ${input.nodeId} shut down mid-job`);
			result.failed.push(jobId);
		} else {
			const started = row.has_output === 1;
			// An async job's partial output reached nobody: drop it and run the job again elsewhere.
			if (started) discardOutput(state.sql, jobId);
			if (requeueJob(state, jobId, started, "released") === "queued") result.requeued.push(jobId);
			else result.failed.push(jobId);
		}
	}
	dispatchQueued(state);
	return result;
}
