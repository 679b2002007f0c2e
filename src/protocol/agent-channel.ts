/**
 * The envelope of the agent's WebSocket channel to its zone (ADR 0010):
 * GET /agent/v1/channel upgrades, signed with the node's JWT like every
 * agent call. Each message from the agent is one request of the agent API;
 * the zone answers `{ id, status, body }` with the status and body that the
 * same HTTP call would have had (PollResponse, JobEventsResponse or the error
 * body), so both transports are read alike. Bodies are validated with the
 * schemas of agent-wire.ts, as over HTTP.
 */
import * as z from "./zod-mini.js";

/**
 * Close code with which the zone asks the agent to reconnect with a fresh
 * token (the channel's age, a key rotation, a revocation). It is no outage:
 * a poll open on the closed channel ends with no jobs.
 */
export const CLOSE_REAUTHENTICATE = 4001;

/** The channel's path under the edge's origin. */
export const AGENT_CHANNEL_PATH = "/agent/v1/channel";

/** Headers in which the Worker hands the authenticated node to its zone DO (never sent by agents: the Worker sets them). */
export const CHANNEL_NODE_HEADER = "x-arcnet-channel-node";
export const CHANNEL_ZONE_HEADER = "x-arcnet-channel-zone";

/**
 * Largest message either side sends, in bytes of UTF-8: under the 1 MiB a
 * Worker accepts per WebSocket message. A bigger event post goes over HTTP
 * (whose limit is 2 MiB).
 */
export const MAX_CHANNEL_MESSAGE_BYTES = 1_000_000;

/** One request from the agent: a long-poll (body: PollRequest) or a job's event post (body: JobEventsRequest). */
export const channelRequestSchema = z.strictObject({
	/** Chosen by the agent, echoed in the answer; unique among its requests in flight. */
	id: z.int().check(z.minimum(1), z.maximum(Number.MAX_SAFE_INTEGER)),
	op: z.enum(["poll", "events"]),
	/** The job of an `events` request (the HTTP path's :jobId). */
	jobId: z.optional(z.string().check(z.maxLength(100))),
	body: z.unknown(),
});
export type ChannelRequestMessage = z.infer<typeof channelRequestSchema>;

/** The zone's answer to one request. */
export interface ChannelAnswerMessage {
	id: number;
	status: number;
	body: unknown;
}
