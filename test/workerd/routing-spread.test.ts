/**
 * The order a request tries its candidates in (src/routing/spread.ts) and the
 * isolate's view of zone load it rests on (src/routing/zone-load.ts): free
 * zones before full ones, the power of two choices among near-equal ones, and
 * load taken from submit answers and from submits still in flight.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { CandidateRecord } from "../../src/routing/router.js";
import { NEAR_EQUAL_SCORE, spreadOrder } from "../../src/routing/spread.js";
import { availableSlots, resetZoneLoad, trackSubmit } from "../../src/routing/zone-load.js";

function candidate(zoneId: string, score: number): CandidateRecord {
	return {
		zoneId,
		locationHint: "weur",
		estLatencyMs: 20,
		gco2PerKwh: 100,
		carbonSource: "static",
		score,
		freeSlots: 4,
		queueDepth: 0,
	};
}

/** A random source that returns the given values in turn. */
function draws(...values: number[]): () => number {
	let i = 0;
	return () => values[i++ % values.length] as number;
}

const ids = (list: CandidateRecord[]) => list.map((c) => c.zoneId);

describe("spreadOrder", () => {
	it("tries zones with a free slot first, in rank order, and the full ones after them", () => {
		const order = spreadOrder(
			[
				{ candidate: candidate("full-best", 0.1), available: 0 },
				{ candidate: candidate("free-second", 1), available: 2 },
				{ candidate: candidate("free-third", 2), available: 1 },
				{ candidate: candidate("full-fourth", 3), available: 0 },
			],
			draws(0),
		);
		expect(ids(order)).toEqual(["free-second", "free-third", "full-best", "full-fourth"]);
	});

	it("puts the less loaded of two near-equal zones first, whichever two are drawn", () => {
		const ranked = [
			{ candidate: candidate("a", 1), available: 1 },
			{ candidate: candidate("b", 1 + NEAR_EQUAL_SCORE / 2), available: 3 },
			{ candidate: candidate("far", 1 + NEAR_EQUAL_SCORE * 4), available: 4 },
		];
		// Only a and b are near-equal; far never jumps ahead, though it has the most free slots.
		for (const random of [draws(0, 0), draws(0.9, 0), draws(0.4, 0.99)]) {
			expect(ids(spreadOrder(ranked, random))).toEqual(["b", "a", "far"]);
		}
	});

	it("spreads equal zones between isolates that share one snapshot", () => {
		const ranked = ["a", "b", "c", "d"].map((z) => ({ candidate: candidate(z, 1), available: 4 }));
		const firsts = new Set<string>();
		for (const first of [0, 0.3, 0.6, 0.9]) firsts.add(spreadOrder(ranked, draws(first, 0))[0]?.zoneId ?? "");
		expect(firsts.size).toBeGreaterThan(1);
	});

	it("keeps the rank order when the best free zone has no near-equal rival", () => {
		const ranked = [
			{ candidate: candidate("best", 0.2), available: 1 },
			{ candidate: candidate("next", 0.2 + NEAR_EQUAL_SCORE * 2), available: 4 },
		];
		expect(ids(spreadOrder(ranked, draws(0.5)))).toEqual(["best", "next"]);
	});
});

describe("the isolate's view of zone load", () => {
	beforeEach(() => resetZoneLoad());

	it("counts a submit in flight as a slot taken until the zone answers, then uses the answer", async () => {
		const figures = { freeSlots: 4, queueDepth: 0, updatedAt: 1_000 };
		let answer: (value: { load: { slots: number; freeSlots: number; queueDepth: number; at: number } }) => void = () =>
			undefined;
		const pending = trackSubmit("z", () => new Promise<Parameters<typeof answer>[0]>((resolve) => (answer = resolve)));
		expect(availableSlots("z", figures)).toBe(3);
		answer({ load: { slots: 4, freeSlots: 1, queueDepth: 0, at: 2_000 } });
		await pending;
		expect(availableSlots("z", figures)).toBe(1);
		// A directory row newer than the answer wins again.
		expect(availableSlots("z", { freeSlots: 4, queueDepth: 1, updatedAt: 3_000 })).toBe(3);
	});

	it("counts queued jobs against free slots, and never goes below zero", () => {
		expect(availableSlots("z", { freeSlots: 2, queueDepth: 5, updatedAt: 1 })).toBe(0);
	});
});
