import { describe, expect, it } from "vitest";
import { Backoff } from "../../node-agent/src/backoff.js";
import { EdgeHttpError, EdgeNetworkError } from "../../node-agent/src/edge-client.js";
import { EventBatcher, type StopReason, splitText } from "../../node-agent/src/event-batcher.js";
import { createLogger } from "../../node-agent/src/logger.js";
import type { JobEvent, JobEventsResponse } from "../../src/protocol/agent-wire.js";

const logger = createLogger({ format: "json", level: "error", write: () => {} });
const ok: JobEventsResponse = { leaseExpiresAt: 1, cancelled: false };

/** A send() whose posts stay open until the test settles them. */
function manualSend() {
	const posts: { events: JobEvent[]; resolve(r: JobEventsResponse): void; reject(e: unknown): void }[] = [];
	const send = (events: JobEvent[]) =>
		new Promise<JobEventsResponse>((resolve, reject) => {
			posts.push({ events: structuredClone(events), resolve, reject });
		});
	return { posts, send };
}

/** Lets one macrotask pass: the batcher's deferred first send (queued earlier) runs before this resolves. */
const tick = () => new Promise((r) => setImmediate(r));

describe("agent event batcher", () => {
	it("sends the first delta at once and merges deltas produced while a post is in flight", async () => {
		const { posts, send } = manualSend();
		const b = new EventBatcher({ send, onStop: () => {}, logger });
		b.push({ type: "delta", text: "He" });
		await tick();
		expect(posts).toHaveLength(1);
		expect(posts[0]?.events).toEqual([{ seq: 0, type: "delta", text: "He" }]);
		b.push({ type: "delta", text: "llo" });
		b.push({ type: "delta", text: " world" });
		b.push({ type: "done", finishReason: "stop", usage: { prompt_tokens: 1, completion_tokens: 3 } });
		await tick();
		expect(posts).toHaveLength(1);
		posts[0]?.resolve(ok);
		await tick();
		expect(posts).toHaveLength(2);
		expect(posts[1]?.events).toEqual([
			{ seq: 1, type: "delta", text: "llo world" },
			{ seq: 2, type: "done", finishReason: "stop", usage: { prompt_tokens: 1, completion_tokens: 3 } },
		]);
		posts[1]?.resolve(ok);
		await b.drain();
		expect(posts).toHaveLength(2);
	});

	it("sends deltas and the done pushed in the same macrotask as one post", async () => {
		const { posts, send } = manualSend();
		const b = new EventBatcher({ send, onStop: () => {}, logger });
		b.push({ type: "delta", text: "Hel" });
		b.push({ type: "delta", text: "lo" });
		b.push({ type: "done", finishReason: "stop", usage: { prompt_tokens: 1, completion_tokens: 2 } });
		expect(posts).toHaveLength(0);
		await tick();
		expect(posts.map((p) => p.events)).toEqual([
			[
				{ seq: 0, type: "delta", text: "Hello" },
				{ seq: 1, type: "done", finishReason: "stop", usage: { prompt_tokens: 1, completion_tokens: 2 } },
			],
		]);
		posts[0]?.resolve(ok);
		await b.drain();
		expect(posts).toHaveLength(1);
	});

	it("numbers events 0, 1, 2, … in order across posts", async () => {
		const seen: number[] = [];
		const b = new EventBatcher({
			send: async (events) => {
				for (const e of events) seen.push(e.seq);
				return ok;
			},
			onStop: () => {},
			logger,
		});
		for (let i = 0; i < 20; i++) {
			b.push({ type: "delta", text: `t${i}` });
			if (i % 3 === 0) await tick();
		}
		b.push({ type: "error", code: "backend_error", message: "boom", retryable: false });
		await b.drain();
		expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i));
		expect(seen.length).toBeGreaterThan(2);
	});

	it("retries a failed post with the same seq numbers", async () => {
		const attempts: JobEvent[][] = [];
		let failures = 2;
		const b = new EventBatcher({
			send: async (events) => {
				attempts.push(structuredClone(events));
				if (failures-- > 0) throw new EdgeNetworkError("connection refused");
				return ok;
			},
			onStop: () => {},
			logger,
			backoff: new Backoff({ baseMs: 1, capMs: 2 }),
		});
		b.push({ type: "delta", text: "a" });
		await b.drain();
		b.push({ type: "delta", text: "b" });
		await b.drain();
		expect(attempts.map((a) => a.map((e) => e.seq))).toEqual([[0], [0], [0], [1]]);
		expect(attempts[2]).toEqual(attempts[0]);
	});

	it("logs an outage of many failed posts once when it starts and once when it ends", async () => {
		const lines: { level: string; msg: string; retries?: number }[] = [];
		const info = createLogger({ format: "json", level: "info", write: (l) => lines.push(JSON.parse(l)) });
		let failures = 20;
		const b = new EventBatcher({
			send: async () => {
				if (failures-- > 0) throw new EdgeNetworkError("POST /agent/v1/jobs/j/events: connect ECONNREFUSED");
				return ok;
			},
			onStop: () => {},
			logger: info,
			backoff: new Backoff({ baseMs: 1, capMs: 1 }),
		});
		b.push({ type: "delta", text: "a" });
		await b.drain();
		expect(lines.map((l) => [l.level, l.msg])).toEqual([
			["warn", "posting job events failed; retrying with the same seqs until the edge answers"],
			["info", "posting job events works again"],
		]);
		expect(lines[1]?.retries).toBe(20);
	});

	it("stops and reports when the edge says the client cancelled", async () => {
		const stops: StopReason[] = [];
		let posts = 0;
		const b = new EventBatcher({
			send: async () => {
				posts++;
				return { leaseExpiresAt: 2, cancelled: true };
			},
			onStop: (r) => stops.push(r),
			logger,
		});
		b.push({ type: "delta", text: "a" });
		await b.drain();
		b.push({ type: "delta", text: "b" });
		await b.drain();
		expect(stops).toEqual(["cancelled"]);
		expect(posts).toBe(1);
	});

	it("stops with lease_lost on 409 and with revoked on 403 node_revoked", async () => {
		for (const [err, reason] of [
			[new EdgeHttpError(409, "lease_not_held", "x"), "lease_lost"],
			[new EdgeHttpError(404, "job_not_found", "x"), "lease_lost"],
			[new EdgeHttpError(403, "node_revoked", "x"), "revoked"],
		] as const) {
			const stops: StopReason[] = [];
			const b = new EventBatcher({
				send: async () => {
					throw err;
				},
				onStop: (r) => stops.push(r),
				logger,
			});
			b.push({ type: "delta", text: "a" });
			await b.drain();
			expect(stops).toEqual([reason]);
			expect(b.stopReason).toBe(reason);
		}
	});

	it("keeps each post under the size cap: a huge delta is split and big deltas go out in several posts", async () => {
		const { posts, send } = manualSend();
		const b = new EventBatcher({ send, onStop: () => {}, logger });
		const big = "x".repeat(200_000);
		b.push({ type: "delta", text: "a".repeat(600_000) });
		await tick();
		posts[0]?.resolve(ok);
		await tick();
		b.push({ type: "delta", text: big });
		b.push({ type: "delta", text: big });
		b.push({ type: "done", finishReason: "stop", usage: { prompt_tokens: 1, completion_tokens: 2 } });
		for (let i = 1; i < 6 && posts.length > i - 1; i++) {
			await tick();
			posts[i]?.resolve(ok);
		}
		await b.drain();
		for (const post of posts) {
			const chars = post.events.reduce((n, e) => n + (e.type === "delta" ? e.text.length : 0), 0);
			expect(chars).toBeLessThanOrEqual(256_000);
		}
		const all = posts.flatMap((p) => p.events);
		expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i));
		expect(all.map((e) => (e.type === "delta" ? e.text : "")).join("")).toBe(`${"a".repeat(600_000)}${big}${big}`);
		expect(all.at(-1)?.type).toBe("done");
	});

	it("never splits a surrogate pair", () => {
		const text = `${"a".repeat(3)}😀${"b".repeat(3)}`;
		const pieces = splitText(text, 4);
		expect(pieces.join("")).toBe(text);
		for (const piece of pieces) expect(piece).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
	});
});
