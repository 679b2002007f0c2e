/**
 * The chaos test, end to end on loopback: no accepted job is lost or
 * delivered twice while agents are SIGKILLed and restarted, one agent's link
 * is cut for longer than its lease, and the Worker restarts. The run and its
 * checks live in test/e2e/chaos/; this file runs it once (CHAOS_JOBS, default
 * 300), prints the report, and fails listing every broken guarantee. A second
 * scenario kills the last node of a zone while jobs queue there
 * (chaos/zone-loss.ts): lost 0, duplicated 0, hung 0.
 * Alone: `npm run chaos`.
 */
import { describe, expect, it } from "vitest";
import { chaosOptionsFromEnv, runChaos } from "./chaos/run.js";
import { runZoneLoss, ZONE_LOSS_BOUND_MS } from "./chaos/zone-loss.js";

/** Hard bound of the whole run, setup and teardown included. */
const HARD_TIMEOUT_MS = 180_000;

describe("chaos: agents killed, a link cut past its lease, the Worker restarted", () => {
	it(
		"leaves every accepted job in one terminal state and delivers every success once, intact",
		async () => {
			const result = await runChaos(chaosOptionsFromEnv((line) => console.log(`[chaos] ${line}`)));
			console.log(result.report);
			if (result.verdict.violations.length > 0) console.error(result.logTails);
			expect(result.verdict.violations).toEqual([]);
			expect(result.outcomes.filter((o) => o.result === "succeeded").length).toBeGreaterThan(0);
		},
		HARD_TIMEOUT_MS,
	);
});

describe("chaos: the last node of a zone is killed while jobs queue there", () => {
	it(
		"hands the zone's jobs on: lost 0, duplicated 0, hung 0",
		async () => {
			const options = chaosOptionsFromEnv((line) => console.log(`[zone-loss] ${line}`));
			const result = await runZoneLoss({ jobs: 40, seed: options.seed, log: options.log });
			console.log(result.report);
			expect(result.queuedAtKill).toBeGreaterThan(0);
			expect(result.hung).toEqual([]);
			expect(result.verdict.violations).toEqual([]);
			expect(result.handedBack + result.movedToAnotherZone).toBeGreaterThan(0);
		},
		ZONE_LOSS_BOUND_MS + 150_000,
	);
});
