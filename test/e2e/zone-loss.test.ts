/**
 * Kills the only agent of a zone while jobs queue there: every request ends
 * within the bound, answered by the other zone or with a clean error, and no
 * job is lost or run to success twice (test/e2e/chaos/zone-loss.ts).
 */
import { describe, expect, it } from "vitest";
import { runZoneLoss, ZONE_LOSS_BOUND_MS } from "./chaos/zone-loss.js";

describe("a zone whose only node dies while jobs queue there", () => {
	it(
		"hands its queued jobs on, so every request ends within the bound, none lost or doubled",
		async () => {
			const result = await runZoneLoss({ jobs: 12, seed: 11, log: (line) => console.log(`[zone-loss] ${line}`) });
			console.log(result.report);
			expect(result.queuedAtKill).toBeGreaterThan(0);
			expect(result.hung).toEqual([]);
			expect(result.verdict.violations).toEqual([]);
			expect(result.handedBack + result.movedToAnotherZone).toBeGreaterThan(0);
			expect(result.outcomes.filter((o) => o.result === "succeeded").length).toBeGreaterThan(0);
		},
		ZONE_LOSS_BOUND_MS + 120_000,
	);
});
