import { describe, expect, it } from "vitest";
import type { ClientOutcome } from "../e2e/chaos/client-outcome.js";
import { type ChaosSpan, lostToWorkerRestart } from "../e2e/chaos/verify.js";

const restart: ChaosSpan = { name: "restart the Worker", from: 10_000, to: 12_000 };
const cut: ChaosSpan = { name: "cut chaos-us-oregon-2's link for 5000 ms", from: 9_000, to: 14_000 };

function outcome(overrides: Partial<ClientOutcome>): ClientOutcome {
	return {
		index: 0,
		tag: "chaos-1",
		kind: "stream",
		result: "broken",
		resends: 0,
		pollRetries: 0,
		startedAt: 9_500,
		endedAt: 10_200,
		...overrides,
	};
}

describe("chaos verdict: a success whose answer a Worker restart cut in transit", () => {
	it("is a connection that broke while the Worker restarted", () => {
		expect(lostToWorkerRestart(outcome({}), [cut, restart])).toBe(true);
		expect(lostToWorkerRestart(outcome({ kind: "sync", endedAt: 12_900 }), [restart])).toBe(true);
	});

	it("is nothing else: a break outside a restart, an error answer, an async job, no outcome", () => {
		expect(lostToWorkerRestart(outcome({}), [cut])).toBe(false);
		expect(lostToWorkerRestart(outcome({ endedAt: 13_500 }), [restart])).toBe(false);
		expect(lostToWorkerRestart(outcome({ result: "error", errorCode: "lease_expired" }), [restart])).toBe(false);
		expect(lostToWorkerRestart(outcome({ kind: "async" }), [restart])).toBe(false);
		expect(lostToWorkerRestart(undefined, [restart])).toBe(false);
	});
});
