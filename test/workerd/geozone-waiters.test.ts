import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Waiters } from "../../durable-objects/geozone/nodes/waiters.js";
import type { LeasedJob } from "../../src/protocol/agent-wire.js";

function poll(waiters: Waiters, nodeId: string, waitMs: number, timedOut: string[]) {
	let answer: LeasedJob[] | null = null;
	const served = new Map([["m", ["chat/completions"] as const]]);
	waiters.add({ nodeId, served, maxJobs: 1, resolve: (jobs) => (answer = jobs) }, waitMs, (id) => timedOut.push(id));
	return () => answer;
}

// The deadline timer and the clock are faked, so each step moves time exactly as far as it says.
beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

describe("Waiters: long polls sharing one deadline timer", () => {
	it("answers each poll [] at its own deadline, an earlier one added later included", () => {
		const waiters = new Waiters();
		const timedOut: string[] = [];
		const late = poll(waiters, "late", 400, timedOut);
		const early = poll(waiters, "early", 40, timedOut);
		vi.advanceTimersByTime(200);
		expect(early()).toEqual([]);
		expect(late()).toBeNull();
		expect(timedOut).toEqual(["early"]);
		expect(waiters.has("late")).toBe(true);
		vi.advanceTimersByTime(350);
		expect(late()).toEqual([]);
		expect(timedOut).toEqual(["early", "late"]);
		expect(waiters.size).toBe(0);
	});

	it("never times out a poll that was taken or superseded", () => {
		const waiters = new Waiters();
		const timedOut: string[] = [];
		poll(waiters, "taken", 30, timedOut);
		const first = poll(waiters, "node", 30, timedOut);
		const second = poll(waiters, "node", 200, timedOut);
		expect(first()).toEqual([]); // superseded at once
		expect(waiters.takeFor("m", "chat/completions")?.nodeId).toBe("taken");
		vi.advanceTimersByTime(100);
		expect(timedOut).toEqual([]);
		expect(second()).toBeNull();
		expect(waiters.serves("m", "chat/completions")).toBe(true);
		// The node serves chat only for m: it is no waiter for m's embeddings, nor for another model.
		expect(waiters.serves("m", "embeddings")).toBe(false);
		expect(waiters.takeFor("m", "embeddings")).toBeUndefined();
		expect(waiters.serves("other", "chat/completions")).toBe(false);
		vi.advanceTimersByTime(250);
		expect(second()).toEqual([]);
		expect(timedOut).toEqual(["node"]);
	});
});
