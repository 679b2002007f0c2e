/**
 * The agent's channel client (node-agent/src/edge-channel.ts) against the
 * fake edge's channel: requests and answers by id, HTTP's answer shapes, the
 * fall back to HTTP when nothing was sent, and jobs leased to a poll the
 * agent gave up on being reported for hand-back.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { Backoff } from "../../node-agent/src/backoff.js";
import { EdgeChannel } from "../../node-agent/src/edge-channel.js";
import { EdgeClient, EdgeHttpError } from "../../node-agent/src/edge-client.js";
import { createTokenSource } from "../../node-agent/src/jwt.js";
import { createLogger } from "../../node-agent/src/logger.js";
import { acceptUpgrade } from "../support/ws-server.js";
import { FakeEdge, fakeIdentity, fakeJob, waitFor } from "./agent-fake-edge.js";

let edge: FakeEdge | undefined;
let channel: EdgeChannel | undefined;
afterEach(async () => {
	await channel?.stop();
	await edge?.stop();
	channel = undefined;
	edge = undefined;
});

async function setup(onAbandonedJobs?: (leases: { jobId: string; leaseId: string }[]) => void) {
	edge = await new FakeEdge(undefined, { channel: true }).start();
	const identity = fakeIdentity(edge);
	const tokens = createTokenSource(identity);
	const logger = createLogger({ format: "json", level: "error", write: () => undefined });
	channel = new EdgeChannel({
		edgeUrl: edge.url,
		tokens,
		logger,
		backoff: new Backoff({ baseMs: 20, capMs: 50 }),
		...(onAbandonedJobs ? { onAbandonedJobs } : {}),
	});
	channel.start();
	await waitFor("the channel to open", () => channel?.ready === true);
	return { edge, channel, client: new EdgeClient({ edgeUrl: edge.url, tokens, channel }) };
}

const poll = { maxJobs: 2, waitMs: 5_000, models: ["sim-1"], slots: 2 };

describe("agent edge channel", () => {
	it("carries polls and event posts, answered as over HTTP, errors included", async () => {
		const { edge, client } = await setup();
		edge.state.queue.push(fakeJob(1));
		const answer = await client.poll(poll);
		expect(answer.jobs.map((j) => j.jobId)).toEqual([fakeJob(1).jobId]);
		const job = fakeJob(1);
		const ack = await client.postEvents(job.jobId, {
			leaseId: job.leaseId,
			events: [{ seq: 0, type: "delta", text: "hi" }],
		});
		expect(ack.cancelled).toBe(false);
		expect(edge.state.channelRequests).toBe(2);
		edge.state.revoked = true;
		await expect(client.poll(poll)).rejects.toSatisfy((e) => e instanceof EdgeHttpError && e.revoked);
	});

	it("sends a request over HTTP when the channel is not open", async () => {
		const { edge, client, channel } = await setup();
		await channel.stop();
		edge.state.queue.push(fakeJob(2));
		expect((await client.poll(poll)).jobs).toHaveLength(1);
		expect(edge.state.channelRequests).toBe(0);
	});

	it("reports jobs leased to a poll the agent aborted, so they can be handed back at once", async () => {
		const abandoned: { jobId: string; leaseId: string }[] = [];
		const { edge, client } = await setup((leases) => abandoned.push(...leases));
		edge.maxHoldMs = 5_000;
		const stop = new AbortController();
		const pending = client.poll(poll, stop.signal);
		await waitFor("the poll to reach the edge", () => edge.holdCount() === 1);
		stop.abort();
		await expect(pending).rejects.toBeDefined();
		edge.state.queue.push(fakeJob(3));
		edge.wake();
		await waitFor("the abandoned jobs", () => abandoned.length === 1);
		expect(abandoned).toEqual([{ jobId: fakeJob(3).jobId, leaseId: fakeJob(3).leaseId }]);
	});
});

describe("agent edge channel on a silent link", () => {
	it("drops a channel whose edge stops answering (pings unanswered, a request timed out), and HTTP takes over", async () => {
		const sockets: Duplex[] = [];
		const silent = createServer((req, res) => {
			res.writeHead(200, { "content-type": "application/json" });
			res.end(JSON.stringify(req.url?.endsWith("/events") ? { leaseExpiresAt: 1, cancelled: false } : { jobs: [] }));
		});
		// Accepts the upgrade, then reads nothing and answers nothing: a blackholed link.
		silent.on("upgrade", (req, socket) => {
			acceptUpgrade(req, socket);
			sockets.push(socket);
		});
		await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
		const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
		const logger = createLogger({ format: "json", level: "error", write: () => undefined });
		const tokens = { token: async () => "t" };
		const quiet = new EdgeChannel({
			edgeUrl: url,
			tokens,
			logger,
			pingIntervalMs: 50,
			backoff: new Backoff({ baseMs: 10_000, capMs: 10_000 }),
		});
		try {
			quiet.start();
			await waitFor("the channel to open", () => quiet.ready);
			// Pings go unanswered: within about two intervals the channel is dropped.
			await waitFor("the silent channel to be dropped", () => !quiet.ready, 2_000);
			expect(sockets).toHaveLength(1);

			const again = new EdgeChannel({ edgeUrl: url, tokens, logger, pingIntervalMs: 60_000 });
			again.start();
			await waitFor("a second channel", () => again.ready);
			const client = new EdgeClient({ edgeUrl: url, tokens, channel: again, timeoutMs: 300 });
			const job = fakeJob(9);
			const post = () =>
				client.postEvents(job.jobId, { leaseId: job.leaseId, events: [{ seq: 0, type: "delta", text: "x" }] });
			// A post with no answer in time fails as a network error and drops the channel; the retry goes over HTTP.
			await expect(post()).rejects.toMatchObject({ name: "EdgeNetworkError" });
			expect(again.ready).toBe(false);
			expect(await post()).toEqual({ leaseExpiresAt: 1, cancelled: false });
			await again.stop();
		} finally {
			await quiet.stop();
			for (const s of sockets) s.destroy();
			await new Promise<void>((r) => silent.close(() => r()));
		}
	});
});
