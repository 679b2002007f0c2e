import { describe, expect, it } from "vitest";
import { Waiters } from "../../durable-objects/geozone/nodes/waiters.js";
import type { LeasedJob } from "../../src/protocol/agent-wire.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function poll(waiters: Waiters, nodeId: string, waitMs: number, timedOut: string[]) {
	let answer: LeasedJob[] | null = null;
	waiters.add({ nodeId, models: new Set(["m"]), maxJobs: 1, resolve: (jobs) => (answer = jobs) }, waitMs, (id) =>
		timedOut.push(id),
	);
	return () => answer;
}

describe("Waiters: long polls sharing one deadline timer", () => {
	it("answers each poll [] at its own deadline, an earlier one added later included", async () => {
		const waiters = new Waiters();
		const timedOut: string[] = [];
		const late = poll(waiters, "late", 400, timedOut);
		const early = poll(waiters, "early", 40, timedOut);
		await sleep(200);
		expect(early()).toEqual([]);
		expect(late()).toBeNull();
		expect(timedOut).toEqual(["early"]);
		expect(waiters.has("late")).toBe(true);
		await sleep(350);
		expect(late()).toEqual([]);
		expect(timedOut).toEqual(["early", "late"]);
		expect(waiters.size).toBe(0);
	});

	it("never times out a poll that was taken or superseded", async () => {
		const waiters = new Waiters();
		const timedOut: string[] = [];
		poll(waiters, "taken", 30, timedOut);
		const first = poll(waiters, "node", 30, timedOut);
		const second = poll(waiters, "node", 200, timedOut);
		expect(first()).toEqual([]); // superseded at once
		expect(waiters.takeFor("m")?.nodeId).toBe("taken");
		await sleep(100);
		expect(timedOut).toEqual([]);
		expect(second()).toBeNull();
		expect(waiters.serves("m")).toBe(true);
		expect(waiters.serves("other")).toBe(false);
		await sleep(250);
		expect(second()).toEqual([]);
		expect(timedOut).toEqual(["node"]);
	});
});
