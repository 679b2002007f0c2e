/** Fallback rules of the signal cache: live, last good with its age, static default, unavailable. */
import { describe, expect, it } from "vitest";
import { CarbonProviderError } from "../../src/carbon/provider-error.js";
import type { CarbonProvider, CarbonSignal } from "../../src/carbon/signal.js";
import {
	DEFAULT_MAX_SIGNAL_AGE_MS,
	nextZoneState,
	refreshCarbonSignals,
	type ZoneCarbonState,
} from "../../src/carbon/signal-cache.js";
import { createStaticProvider, defaultsFromCatalogue } from "../../src/carbon/static.js";

const HOUR = 3_600_000;
const T0 = Date.parse("2026-11-23T12:00:00Z");

const live = (zone: string, gco2PerKwh: number, observedAtMs: number): CarbonSignal => ({
	zone,
	gco2PerKwh,
	source: "electricitymaps",
	observedAt: new Date(observedAtMs).toISOString(),
	fetchedAt: observedAtMs,
});
const staticDe: CarbonSignal = {
	zone: "DE",
	gco2PerKwh: 341,
	source: "static",
	observedAt: "2024-01-01T00:00:00.000Z",
	fetchedAt: T0,
};
const failed = { ok: false as const, error: "electricitymaps (DE): GET … answered HTTP 500" };

describe("nextZoneState", () => {
	it("uses a fresh provider signal and remembers it as the last good one", () => {
		const state = nextZoneState("DE", undefined, { ok: true, signal: live("DE", 300, T0 - 10 * 60_000) }, staticDe, T0);
		expect(state).toMatchObject({
			status: "live",
			ageMs: 10 * 60_000,
			signal: { gco2PerKwh: 300 },
			lastGood: { gco2PerKwh: 300 },
		});
		expect(state.error).toBeUndefined();
	});

	it("keeps the last good value with its age and the failure when the provider fails", () => {
		const previous = nextZoneState("DE", undefined, { ok: true, signal: live("DE", 300, T0) }, staticDe, T0);
		const state = nextZoneState("DE", previous, failed, staticDe, T0 + 2 * HOUR);
		expect(state).toMatchObject({
			status: "last-good",
			ageMs: 2 * HOUR,
			signal: { gco2PerKwh: 300 },
			error: failed.error,
		});
	});

	it("falls back to the static default once the last good value is older than the max age (6 h by default)", () => {
		expect(DEFAULT_MAX_SIGNAL_AGE_MS).toBe(6 * HOUR);
		let state: ZoneCarbonState = nextZoneState(
			"DE",
			undefined,
			{ ok: true, signal: live("DE", 300, T0) },
			staticDe,
			T0,
		);
		state = nextZoneState("DE", state, failed, staticDe, T0 + 6 * HOUR);
		expect(state.status).toBe("last-good");
		state = nextZoneState("DE", state, failed, staticDe, T0 + 6 * HOUR + 1);
		expect(state).toMatchObject({
			status: "static-fallback",
			signal: staticDe,
			ageMs: 0,
			lastGood: { gco2PerKwh: 300 },
		});
		// A later success replaces the static figure at once.
		state = nextZoneState("DE", state, { ok: true, signal: live("DE", 280, T0 + 7 * HOUR) }, staticDe, T0 + 7 * HOUR);
		expect(state).toMatchObject({ status: "live", signal: { gco2PerKwh: 280 } });
	});

	it("honours a configured max age", () => {
		const previous = nextZoneState("DE", undefined, { ok: true, signal: live("DE", 300, T0) }, staticDe, T0);
		expect(nextZoneState("DE", previous, failed, staticDe, T0 + HOUR, HOUR / 2).status).toBe("static-fallback");
	});

	it("treats a provider's reading older than the max age as a failure", () => {
		const state = nextZoneState("DE", undefined, { ok: true, signal: live("DE", 300, T0 - 7 * HOUR) }, staticDe, T0);
		expect(state.status).toBe("static-fallback");
		expect(state.error).toMatch(/420 min old, older than the 360 min limit/);
	});

	it("has no figure when the provider fails and there is neither a last good value nor a default", () => {
		expect(nextZoneState("XX", undefined, failed, undefined, T0)).toMatchObject({
			status: "unavailable",
			signal: null,
		});
	});

	it("never ages a static signal", () => {
		expect(nextZoneState("DE", undefined, { ok: true, signal: staticDe }, staticDe, T0)).toMatchObject({
			status: "live",
			ageMs: 0,
		});
	});
});

describe("refreshCarbonSignals", () => {
	const fallback = createStaticProvider({
		defaults: defaultsFromCatalogue([
			{ gridZone: "DE", defaultGco2PerKwh: 341 },
			{ gridZone: "FR", defaultGco2PerKwh: 33 },
		]),
	});

	it("never throws when the provider fails, and resolves each zone by the rules", async () => {
		let call = 0;
		const flaky: CarbonProvider = {
			source: "electricitymaps",
			zones: undefined,
			async fetchSignal(zone) {
				call++;
				if (zone === "FR" || call > 3)
					throw new CarbonProviderError("electricitymaps", zone, "http-status", "HTTP 500");
				return live(zone, 290, T0);
			},
		};
		const first = await refreshCarbonSignals({ zones: ["DE", "FR", "PL"], provider: flaky, fallback, now: () => T0 });
		expect(first.get("DE")).toMatchObject({ status: "live", signal: { gco2PerKwh: 290 } });
		expect(first.get("FR")).toMatchObject({ status: "static-fallback", signal: { gco2PerKwh: 33, source: "static" } });
		expect(first.get("FR")?.error).toContain("HTTP 500");
		expect(first.get("PL")).toMatchObject({ status: "live" });

		const second = await refreshCarbonSignals({
			zones: ["DE", "PL"],
			provider: flaky,
			fallback,
			previous: first,
			now: () => T0 + HOUR,
		});
		expect(second.get("DE")).toMatchObject({ status: "last-good", ageMs: HOUR, signal: { gco2PerKwh: 290 } });
		expect(second.get("PL")).toMatchObject({ status: "last-good" });
	});

	it("survives a provider that throws something other than an Error", async () => {
		const broken: CarbonProvider = {
			source: "watttime",
			zones: ["DE"],
			fetchSignal: () => Promise.reject("boom"),
		};
		const states = await refreshCarbonSignals({ zones: ["DE"], provider: broken, fallback, now: () => T0 });
		expect(states.get("DE")).toMatchObject({ status: "static-fallback", error: "boom" });
	});

	it("rejects a max age below one minute, naming the field", async () => {
		await expect(refreshCarbonSignals({ zones: [], provider: fallback, options: { maxAgeMs: 10 } })).rejects.toThrow(
			/maxAgeMs/,
		);
	});
});

describe("static provider", () => {
	it("answers the catalogue default dated 1 January of its year, and refuses unknown zones", async () => {
		const provider = createStaticProvider({ defaults: { "SE-SE3": 21 }, year: 2024 }, { now: () => T0 });
		await expect(provider.fetchSignal("SE-SE3")).resolves.toEqual({
			zone: "SE-SE3",
			gco2PerKwh: 21,
			source: "static",
			observedAt: "2024-01-01T00:00:00.000Z",
			fetchedAt: T0,
		});
		await expect(provider.fetchSignal("DE")).rejects.toMatchObject({ reason: "unsupported-zone" });
	});

	it("keeps the first catalogue row of a grid zone", () => {
		expect(
			defaultsFromCatalogue([
				{ gridZone: "DE", defaultGco2PerKwh: 341 },
				{ gridZone: "DE", defaultGco2PerKwh: 999 },
			]),
		).toEqual({ DE: 341 });
	});
});
