import { describe, expect, it } from "vitest";
import { planAlarm } from "../../durable-objects/geozone/alarm/alarm-plan.js";
import { parseGeozoneConfig } from "../../durable-objects/geozone/config.js";

describe("GeozoneDO alarm plan", () => {
	const none = { nextLeaseExpiry: null, nextNodeStaleAt: null, flushDueAt: null, nextPurgeAt: null };

	it("plans no alarm when nothing is due", () => {
		expect(planAlarm({ now: 1_000, ...none })).toBeNull();
	});

	it("fires at the earliest of lease expiry, node staleness, flush and purge", () => {
		expect(planAlarm({ now: 1_000, ...none, nextLeaseExpiry: 9_000, nextNodeStaleAt: 5_000, flushDueAt: 7_000 })).toBe(
			5_000,
		);
		expect(planAlarm({ now: 1_000, ...none, nextPurgeAt: 3_000, flushDueAt: 4_000 })).toBe(3_000);
	});

	it("fires when the oldest telemetry minute held closes, if nothing is sooner", () => {
		expect(planAlarm({ now: 1_000, ...none, nextTelemetryFlushAt: 60_000, nextPurgeAt: 90_000 })).toBe(60_000);
		expect(planAlarm({ now: 1_000, ...none, nextTelemetryFlushAt: 60_000, nextNodeStaleAt: 21_000 })).toBe(21_000);
	});

	it("never plans in the past", () => {
		expect(planAlarm({ now: 10_000, ...none, nextLeaseExpiry: 2_000 })).toBe(10_000);
	});
});

describe("GeozoneDO config", () => {
	it("takes defaults for missing vars", () => {
		expect(parseGeozoneConfig({})).toEqual({
			leaseMs: 30_000,
			nodeLiveMs: 20_000,
			maxQueueDepth: 256,
			pollMaxWaitMs: 25_000,
			maxAttempts: 3,
			zoneHandbackMs: 10_000,
			queueTimeoutMs: 120_000,
			firstTokenTimeoutMs: 180_000,
			maxTimeoutMs: 600_000,
		});
	});

	it("parses the vars' strings", () => {
		expect(parseGeozoneConfig({ LEASE_MS: "5000", MAX_ATTEMPTS: "5" })).toMatchObject({
			leaseMs: 5_000,
			maxAttempts: 5,
		});
	});

	it("rejects a bad value naming the var, the value and the range", () => {
		expect(() => parseGeozoneConfig({ MAX_ATTEMPTS: "0" })).toThrow(
			'MAX_ATTEMPTS: expected an integer from 1 to 20, got "0" (string)',
		);
		expect(() => parseGeozoneConfig({ LEASE_MS: "soon" })).toThrow(/LEASE_MS: .*got "soon" \(string\)/);
	});
});
