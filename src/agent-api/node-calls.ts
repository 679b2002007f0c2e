/**
 * The authenticated agent calls: poll, post job events, release leases and
 * telemetry. Each validates its body with the wire schemas, calls the node's
 * own zone DO (never a zone the node names itself), and answers the wire
 * response schema. Refusals from the DO map to 404/409 and change nothing.
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env.js";
import { refusalError } from "../http/errors.js";
import { jsonBody, validate } from "../http/validation.js";
import {
	type JobEventsResponse,
	jobEventsRequestSchema,
	jobIdSchema,
	type PollResponse,
	pollRequestSchema,
	releaseRequestSchema,
	type TelemetryResponse,
	telemetryRequestSchema,
} from "../protocol/agent-wire.js";
import { eventsRefusal } from "../protocol/event-refusal.js";
import { geozoneStub } from "../routing/geozone-stub.js";

/** Long-polls the node's zone for up to `maxJobs` jobs (wait capped by the DO at POLL_MAX_WAIT_MS). */
export async function pollHandler(c: Context<AppEnv>): Promise<Response> {
	const body = await jsonBody(c, pollRequestSchema);
	const { nodeId, zoneId, locationHint } = c.get("node");
	const result = await geozoneStub(c.env, zoneId, locationHint).poll({ ...body, zoneId, nodeId });
	const response: PollResponse = { jobs: result };
	return c.json(response);
}

/** Posts a batch of output events for one leased job; renews the lease. */
export async function postEventsHandler(c: Context<AppEnv>): Promise<Response> {
	const jobId = validate(jobIdSchema, c.req.param("jobId"), "jobId");
	const body = await jsonBody(c, jobEventsRequestSchema);
	const { nodeId, zoneId, locationHint } = c.get("node");
	const result = await geozoneStub(c.env, zoneId, locationHint).postEvents({ ...body, zoneId, nodeId, jobId });
	if (!result.ok) throw refusalError(eventsRefusal(result));
	const response: JobEventsResponse = { leaseExpiresAt: result.leaseExpiresAt, cancelled: result.cancelled };
	return c.json(response);
}

/** Hands leased jobs back (agent drain on shutdown); answers which were re-queued, failed or not held. */
export async function releaseHandler(c: Context<AppEnv>): Promise<Response> {
	const body = await jsonBody(c, releaseRequestSchema);
	const { nodeId, zoneId, locationHint } = c.get("node");
	const result = await geozoneStub(c.env, zoneId, locationHint).release({ ...body, zoneId, nodeId });
	return c.json({ requeued: result.requeued, failed: result.failed, notHeld: result.notHeld });
}

/** Records telemetry, which is also the node's heartbeat and renews its leases. */
export async function telemetryHandler(c: Context<AppEnv>): Promise<Response> {
	const body = await jsonBody(c, telemetryRequestSchema);
	const { nodeId, zoneId, locationHint } = c.get("node");
	const result = await geozoneStub(c.env, zoneId, locationHint).heartbeat({ ...body, zoneId, nodeId });
	const response: TelemetryResponse = { leases: result.leases, cancel: result.cancel };
	return c.json(response);
}
