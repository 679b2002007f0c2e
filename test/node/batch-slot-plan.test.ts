/** The batch scheduler's placement in space and time (src/batches/slot-plan.ts). */
import { describe, expect, it } from "vitest";
import { planSlots } from "../../src/batches/slot-plan.js";

describe("planSlots", () => {
	it("waits for the cleanest slot inside the window, in the cleanest zone", () => {
		const zones = [
			{ intensity: [400, 300, 100, 50], free: [5, 5, 5, 5] },
			{ intensity: [200, 250, 90, 80], free: [5, 5, 5, 5] },
		];
		expect(planSlots(zones, [{ latestSlot: 2, zones: [0, 1] }])).toEqual([{ zone: 1, slot: 2 }]);
		expect(planSlots(zones, [{ latestSlot: 3, zones: [0, 1] }])).toEqual([{ zone: 0, slot: 3 }]);
	});

	it("runs a request past its safety margin now, wherever there is a free slot", () => {
		const zones = [
			{ intensity: [100, 10], free: [0, 5] },
			{ intensity: [500, 10], free: [1, 5] },
		];
		expect(planSlots(zones, [{ latestSlot: 0, zones: [0, 1] }])).toEqual([{ zone: 1, slot: 0 }]);
		expect(planSlots(zones, [{ latestSlot: -3, zones: [0, 1] }])).toEqual([{ zone: 1, slot: 0 }]);
	});

	it("gives scarce clean slots to the earliest deadline and never uses more than the free slots", () => {
		const zones = [{ intensity: [300, 100, 200], free: [5, 1, 5] }];
		const plan = planSlots(zones, [
			{ latestSlot: 2, zones: [0] },
			{ latestSlot: 1, zones: [0] },
			{ latestSlot: 2, zones: [0] },
		]);
		expect(plan).toEqual([
			{ zone: 0, slot: 2 },
			{ zone: 0, slot: 1 },
			{ zone: 0, slot: 2 },
		]);
	});

	it("leaves a request unplaced when its window has no free slot, and keeps it to its zones", () => {
		const zones = [
			{ intensity: [100], free: [0] },
			{ intensity: [10], free: [9] },
		];
		expect(planSlots(zones, [{ latestSlot: 0, zones: [0] }])).toEqual([null]);
	});

	it("prefers now over a later slot with the same forecast", () => {
		expect(planSlots([{ intensity: [100, 100, 100], free: [1, 1, 1] }], [{ latestSlot: 2, zones: [0] }])).toEqual([
			{ zone: 0, slot: 0 },
		]);
	});
});
