/**
 * The agent's WebSocket channel (ADR 0010) through the real Worker and
 * GeozoneDO: the upgrade is authenticated like every agent call, and each
 * message gets the status and body the same HTTP call would get.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { answerChannelMessage, CHANNEL_MAX_AGE_MS } from "../../durable-objects/geozone/nodes/channel.js";
import { MAX_CHANNEL_MESSAGE_BYTES } from "../../src/protocol/agent-channel.js";
import {
	ADMIN_KEY,
	call,
	chatBody,
	DEV_KEY,
	enrollNode,
	MODEL,
	pollBody,
	signAgentJwt,
	type TestNode,
} from "./edge-fixtures.js";

const ZONE = "eu-paris";

interface Answer {
	id: number;
	status: number;
	body: { jobs?: { jobId: string; leaseId: string }[]; error?: { message: string; code: string | null } } & Record<
		string,
		unknown
	>;
}

/** An open channel: send a request, read the answer with its id. */
interface Channel {
	request(message: Record<string, unknown>): Promise<Answer>;
	sendRaw(text: string): void;
	closed: Promise<{ code: number; reason: string }>;
	close(): void;
	/** The id of every answer received, in order (each request must be answered exactly once). */
	answeredIds: number[];
}

async function openChannel(node: TestNode, jwt?: string): Promise<Channel> {
	const res = await exports.default.fetch("http://edge/agent/v1/channel", {
		headers: { upgrade: "websocket", authorization: `Bearer ${jwt ?? (await signAgentJwt(node))}` },
	});
	expect(res.status).toBe(101);
	const socket = res.webSocket;
	if (!socket) throw new Error("no webSocket on the 101 answer");
	socket.accept();
	const waiting = new Map<number, (answer: Answer) => void>();
	const answeredIds: number[] = [];
	socket.addEventListener("message", (event) => {
		const answer = JSON.parse(String(event.data)) as Answer;
		answeredIds.push(answer.id);
		waiting.get(answer.id)?.(answer);
		waiting.delete(answer.id);
	});
	const closed = new Promise<{ code: number; reason: string }>((resolve) =>
		socket.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })),
	);
	return {
		request: (message) =>
			new Promise<Answer>((resolve) => {
				waiting.set(message.id as number, resolve);
				socket.send(JSON.stringify(message));
			}),
		sendRaw: (text) => socket.send(text),
		closed,
		close: () => socket.close(1000, "test done"),
		answeredIds,
	};
}

describe("agent channel: upgrade", () => {
	it("refuses an upgrade without a valid agent JWT (401) and a plain GET (426), changing nothing", async () => {
		const noJwt = await exports.default.fetch("http://edge/agent/v1/channel", { headers: { upgrade: "websocket" } });
		expect(noJwt.status).toBe(401);
		const node = await enrollNode(ZONE);
		const expired = await signAgentJwt(node, { iat: 1_000, exp: 1_060 });
		const bad = await exports.default.fetch("http://edge/agent/v1/channel", {
			headers: { upgrade: "websocket", authorization: `Bearer ${expired}` },
		});
		expect(bad.status).toBe(401);
		const plain = await call("GET", "/agent/v1/channel", { bearer: await signAgentJwt(node) });
		expect(plain.status).toBe(426);
		expect(((await plain.json()) as { error: { code: string } }).error.code).toBe("upgrade_required");
	});
});

describe("agent channel: requests", () => {
	it("answers the zone object's own refusals of an upgrade in OpenAI's error shape", async () => {
		const stub = env.GEOZONE.getByName(ZONE);
		const wrongPath = await stub.fetch("https://geozone.internal/elsewhere", { headers: { upgrade: "websocket" } });
		expect(wrongPath.status).toBe(404);
		expect(((await wrongPath.json()) as { error: { code: string } }).error.code).toBe("unknown_route");
		const noNode = await stub.fetch("https://geozone.internal/channel", { headers: { upgrade: "websocket" } });
		expect(noNode.status).toBe(400);
		expect(((await noNode.json()) as { error: { param: string } }).error.param).toBe("x-arcnet-channel-node");
	});

	it("hands a submitted job to a poll waiting on the channel and takes its events, as over HTTP", async () => {
		const node = await enrollNode(ZONE);
		const channel = await openChannel(node);
		// The node's first poll makes it live; the alarm then publishes the zone to D1 for routers.
		expect((await channel.request({ id: 1, op: "poll", body: pollBody(0) })).status).toBe(200);
		expect(await runDurableObjectAlarm(env.GEOZONE.getByName(ZONE))).toBe(true);
		const polled = channel.request({ id: 2, op: "poll", body: pollBody(10_000) });
		const client = call("POST", "/v1/chat/completions", {
			bearer: DEV_KEY,
			body: chatBody(),
		});
		const answer = await polled;
		expect(answer.status).toBe(200);
		const job = answer.body.jobs?.[0];
		if (!job) throw new Error(`expected a job, got ${JSON.stringify(answer.body)}`);
		const events = await channel.request({
			id: 3,
			op: "events",
			jobId: job.jobId,
			body: {
				leaseId: job.leaseId,
				events: [
					{ seq: 0, type: "delta", text: "Bonjour" },
					{ seq: 1, type: "done", finishReason: "stop", usage: { prompt_tokens: 3, completion_tokens: 1 } },
				],
			},
		});
		expect(events).toMatchObject({ id: 3, status: 200, body: { cancelled: false } });
		const res = await client;
		expect(res.status).toBe(200);
		const body = (await res.json()) as { choices: { message: { content: string } }[]; model: string };
		expect(body.choices[0]?.message.content).toBe("Bonjour");
		expect(body.model).toBe(MODEL);
		// The poll's answer went out once: sent as the job arrived, not again when the poll ended.
		expect(channel.answeredIds).toEqual([1, 2, 3]);
		channel.close();
	});

	it("answers a bad body 400 naming the field, an unknown job 404, and closes on a message that is no request", async () => {
		const node = await enrollNode(ZONE);
		const channel = await openChannel(node);
		const bad = await channel.request({ id: 7, op: "poll", body: { ...pollBody(0), maxJobs: 0 } });
		expect(bad.status).toBe(400);
		expect(bad.body.error?.message).toMatch(/maxJobs: .*got 0 \(number\)/);
		const notHeld = await channel.request({
			id: 8,
			op: "events",
			jobId: "job_aaaaaaaaaaaaaaaaaaaaaaaa",
			body: { leaseId: "lease_aaaaaaaaaaaaaaaaaaaaaaaa", events: [{ seq: 0, type: "delta", text: "x" }] },
		});
		expect(notHeld.status).toBe(404);
		expect(notHeld.body.error?.code).toBe("job_not_found");
		const missingJob = await channel.request({ id: 9, op: "events", body: {} });
		expect(missingJob.status).toBe(400);
		const deep = await channel.request({
			id: 10,
			op: "poll",
			body: JSON.parse(`${"[".repeat(100)}${"]".repeat(100)}`),
		});
		expect(deep.status).toBe(400);
		expect(deep.body.error?.code).toBe("nesting_too_deep");
		channel.sendRaw("not json");
		expect((await channel.closed).code).toBe(1008);
	});

	it("closes with 1009 on a message over the 1 MB cap, unanswered, and answers one at the cap", async () => {
		const node = await enrollNode(ZONE);
		const channel = await openChannel(node);
		const message = (padding: number) =>
			JSON.stringify({ id: 1, op: "poll", body: { ...pollBody(0), pad: "x".repeat(padding) } });
		const base = message(0).length;
		// At the cap exactly: read and answered (400: pad is no field of a poll).
		const atCap = await channel.request({
			id: 1,
			op: "poll",
			body: { ...pollBody(0), pad: "x".repeat(MAX_CHANNEL_MESSAGE_BYTES - base) },
		});
		expect(atCap.status).toBe(400);
		// Multi-byte characters count as their UTF-8 bytes: 1 byte over the cap.
		const over = message(MAX_CHANNEL_MESSAGE_BYTES - base).replace('"pad":"x', '"pad":"é');
		expect(new TextEncoder().encode(over).byteLength).toBe(MAX_CHANNEL_MESSAGE_BYTES + 1);
		channel.sendRaw(over.replace('"id":1', '"id":2'));
		const closed = await channel.closed;
		expect(closed.code).toBe(1009);
		expect(closed.reason).toContain(String(MAX_CHANNEL_MESSAGE_BYTES));
		expect(channel.answeredIds).toEqual([1]);
	});

	it("ends the open poll of a channel that closes, so the next job waits for a live poll instead", async () => {
		const node = await enrollNode(ZONE);
		const first = await openChannel(node);
		expect((await first.request({ id: 1, op: "poll", body: pollBody(0) })).status).toBe(200);
		expect(await runDurableObjectAlarm(env.GEOZONE.getByName(ZONE))).toBe(true);
		void first.request({ id: 2, op: "poll", body: pollBody(20_000) });
		first.close();
		await first.closed;
		const accepted = await call("POST", "/v1/jobs", { bearer: DEV_KEY, body: { request: chatBody() } });
		expect(accepted.status).toBe(202);
		const { id } = (await accepted.json()) as { id: string };
		const second = await openChannel(node);
		const answer = await second.request({ id: 1, op: "poll", body: pollBody(5_000) });
		expect(answer.body.jobs?.map((j) => j.jobId)).toEqual([id]);
		second.close();
	});

	it("closes a node's channels when an operator revokes it", async () => {
		const node = await enrollNode(ZONE);
		const channel = await openChannel(node);
		expect((await channel.request({ id: 1, op: "poll", body: pollBody(0) })).status).toBe(200);
		const revoke = await call("POST", `/admin/v1/nodes/${node.nodeId}/revoke`, { bearer: ADMIN_KEY });
		expect(revoke.status).toBe(200);
		expect((await channel.closed).code).toBe(4001);
		// And it cannot open a new one.
		const again = await exports.default.fetch("http://edge/agent/v1/channel", {
			headers: { upgrade: "websocket", authorization: `Bearer ${await signAgentJwt(node)}` },
		});
		expect(again.status).toBe(403);
	});
});

describe("agent channel: age", () => {
	it("answers the first poll of a channel older than CHANNEL_MAX_AGE_MS empty and asks to close it", async () => {
		const polled: unknown[] = [];
		const ops = {
			poll: async (input: unknown) => {
				polled.push(input);
				return [];
			},
			postEvents: async () => ({ ok: true as const, leaseExpiresAt: 0, cancelled: false }),
			release: async () => ({ requeued: [], failed: [], notHeld: [] }),
		};
		const peer = { nodeId: "node_aaaaaaaaaaaaaaaaaaaaaaaa", zoneId: ZONE, openedAt: 1_000 };
		const message = JSON.stringify({ id: 4, op: "poll", body: pollBody(1_000) });
		const young = await answerChannelMessage(peer, message, ops, 1_000 + CHANNEL_MAX_AGE_MS);
		expect(young).toMatchObject({ closeAfter: false });
		expect(polled).toHaveLength(1);
		const old = await answerChannelMessage(peer, message, ops, 1_001 + CHANNEL_MAX_AGE_MS);
		expect(old).toMatchObject({ closeAfter: true });
		expect(JSON.parse(old?.text ?? "null")).toEqual({ id: 4, status: 200, body: { jobs: [] } });
		expect(polled).toHaveLength(1);
	});
});
