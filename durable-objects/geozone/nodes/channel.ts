/**
 * The zone's end of the agents' WebSocket channels (ADR 0010). The Worker
 * authenticates the upgrade (the node's JWT) and forwards it here with the
 * node's identity; the object accepts the socket with the hibernation API,
 * tagged with the node id. Each message is one request of the agent API,
 * `{ id, op: "poll" | "events", jobId?, body }`, answered `{ id, status, body }`
 * with exactly the status and body of the same HTTP call: the body is
 * validated with the same wire schemas, and the work is the same RPC.
 *
 * Jobs a poll leased are released again at once (unstarted: no attempt
 * counted) when their answer cannot be sent because the socket closed: the
 * node never saw them, so nobody waits for the lease to lapse.
 */
import type { z } from "zod";
import {
	type ChannelRequestMessage,
	CLOSE_REAUTHENTICATE,
	channelRequestSchema,
	MAX_CHANNEL_MESSAGE_BYTES,
} from "../../../src/protocol/agent-channel.js";
import {
	type JobEventsResponse,
	jobEventsRequestSchema,
	jobIdSchema,
	type LeasedJob,
	type PollResponse,
	pollRequestSchema,
} from "../../../src/protocol/agent-wire.js";
import { type AgentRefusal, eventsRefusal } from "../../../src/protocol/event-refusal.js";
import { MAX_JSON_DEPTH, tooDeepAt } from "../../../src/protocol/json-depth.js";
import { checkInput, formatPath } from "../../../src/protocol/zod-issues.js";
import type { PollInput, PostEventsInput, PostEventsResult, ReleaseInput, ReleaseResult } from "../contract.js";

/** Who is at the other end of a socket; set when the object accepts it (serializeAttachment). */
export interface ChannelPeer {
	nodeId: string;
	zoneId: string;
	/** Epoch ms when the socket was accepted. */
	openedAt: number;
}

/** A channel lives this long; then its next poll is answered empty and the socket closed, so the agent signs in again. */
export const CHANNEL_MAX_AGE_MS = 10 * 60_000;

/** Close code asking the agent to reconnect with a fresh token (age, key rotation, revocation); shared with the agent. */
export { CLOSE_REAUTHENTICATE };

/** The zone operations a channel request runs: the GeozoneDO's own RPC methods. */
export interface ChannelOps {
	/** `sendNow` sends the poll's answer synchronously when a job reaches the poll (see Waiter.sendNow). */
	poll(input: PollInput, sendNow?: (jobs: LeasedJob[]) => boolean): Promise<LeasedJob[]>;
	postEvents(input: PostEventsInput): Promise<PostEventsResult>;
	release(input: ReleaseInput): Promise<ReleaseResult>;
}

/** One answer to send, and what to do if it cannot be sent. */
export interface ChannelAnswer {
	/** Null when the answer was already sent (a poll's, by sendNow). */
	text: string | null;
	/** Jobs the answer hands to the node: released again if the socket is gone. */
	leased: LeasedJob[];
	/** Close the socket after answering (it is past CHANNEL_MAX_AGE_MS). */
	closeAfter: boolean;
}

/** True when a message is over MAX_CHANNEL_MESSAGE_BYTES of UTF-8. */
export function overChannelCap(message: string | ArrayBuffer): boolean {
	if (typeof message !== "string") return message.byteLength > MAX_CHANNEL_MESSAGE_BYTES;
	// A UTF-16 code unit is at most 3 bytes of UTF-8, so most messages need no encoding to be sized.
	if (message.length * 3 <= MAX_CHANNEL_MESSAGE_BYTES) return false;
	return new TextEncoder().encode(message).byteLength > MAX_CHANNEL_MESSAGE_BYTES;
}

function answer(
	id: number,
	status: number,
	body: unknown,
	leased: LeasedJob[] = [],
	closeAfter = false,
): ChannelAnswer {
	return { text: answerText(id, status, body), leased, closeAfter };
}

function answerText(id: number, status: number, body: unknown): string {
	return JSON.stringify({ id, status, body });
}

function errorAnswer(id: number, refusal: AgentRefusal): ChannelAnswer {
	return answer(id, refusal.status, refusal.body);
}

/** A message the channel answers 400, with the body the HTTP handlers give the same input. */
class InvalidInput extends Error {
	constructor(readonly refusal: AgentRefusal) {
		super(refusal.body.error.message);
	}
}

function invalidInput(message: string, param: string | null, code: string | null): InvalidInput {
	return new InvalidInput({ status: 400, body: { error: { message, type: "invalid_request_error", param, code } } });
}

function check<S extends z.core.$ZodType>(schema: S, input: unknown, root: string): z.output<S> {
	const checked = checkInput(schema, input, root);
	if (checked.ok) return checked.data;
	throw invalidInput(checked.problem.message, checked.problem.param, "invalid_value");
}

/**
 * Runs one channel message for `peer` and returns its answer, or null when
 * the message is not a request at all (no id to answer: the caller closes the
 * socket with 1008). Invalid bodies are answered 400 naming the field, as over HTTP.
 */
export async function answerChannelMessage(
	peer: ChannelPeer,
	message: string | ArrayBuffer,
	ops: ChannelOps,
	now: number,
	send: (text: string) => boolean = () => false,
): Promise<ChannelAnswer | null> {
	if (typeof message !== "string") return null;
	let json: unknown;
	try {
		json = JSON.parse(message);
	} catch {
		return null;
	}
	let request: ChannelRequestMessage;
	try {
		const deep = tooDeepAt(json);
		if (deep !== null) {
			const where = formatPath(deep, "message").slice(0, 200);
			throw invalidInput(
				`${where}: expected JSON nested at most ${MAX_JSON_DEPTH} levels deep, got deeper nesting.`,
				where,
				"nesting_too_deep",
			);
		}
		request = check(channelRequestSchema, json, "message");
	} catch (error) {
		// A bad envelope is answered when it carries an id to answer to; without one there is no request.
		const id = (json as { id?: unknown } | null)?.id;
		if (typeof id !== "number" || !Number.isInteger(id) || !(error instanceof InvalidInput)) return null;
		return errorAnswer(id, error.refusal);
	}
	try {
		if (request.op === "poll") {
			const body = check(pollRequestSchema, request.body, "body");
			if (now - peer.openedAt > CHANNEL_MAX_AGE_MS) {
				return answer(request.id, 200, { jobs: [] } satisfies PollResponse, [], true);
			}
			const id = request.id;
			let sentEarly = false;
			const sendNow = (jobs: LeasedJob[]) => {
				sentEarly = send(answerText(id, 200, { jobs } satisfies PollResponse));
				return sentEarly;
			};
			const jobs = await ops.poll({ ...body, zoneId: peer.zoneId, nodeId: peer.nodeId }, sendNow);
			if (sentEarly) return { text: null, leased: [], closeAfter: false };
			return answer(id, 200, { jobs } satisfies PollResponse, jobs);
		}
		if (request.jobId === undefined) throw invalidInput("jobId: required for op events", "jobId", null);
		const jobId = check(jobIdSchema, request.jobId, "jobId");
		const body = check(jobEventsRequestSchema, request.body, "body");
		const result = await ops.postEvents({ ...body, zoneId: peer.zoneId, nodeId: peer.nodeId, jobId });
		if (!result.ok) return errorAnswer(request.id, eventsRefusal(result));
		const response: JobEventsResponse = { leaseExpiresAt: result.leaseExpiresAt, cancelled: result.cancelled };
		return answer(request.id, 200, response);
	} catch (error) {
		if (error instanceof InvalidInput) return errorAnswer(request.id, error.refusal);
		throw error;
	}
}

/**
 * Sends `reply` on `socket` through `send` (false when the socket is closed or
 * the send fails; then the jobs it carried are handed back through
 * `ops.release`, unstarted). An answer already sent (text null) is left alone.
 */
export async function deliverChannelAnswer(
	socket: WebSocket,
	peer: ChannelPeer,
	reply: ChannelAnswer,
	ops: ChannelOps,
	send: (text: string) => boolean,
): Promise<void> {
	if (reply.text === null) return;
	const sent = send(reply.text);
	if (!sent && reply.leased.length > 0) {
		const leases = reply.leased.map((job) => ({ jobId: job.jobId, leaseId: job.leaseId }));
		await ops.release({ zoneId: peer.zoneId, nodeId: peer.nodeId, leases });
	}
	if (sent && reply.closeAfter) socket.close(CLOSE_REAUTHENTICATE, "channel too old: reconnect");
}
