/**
 * carbon_signal_history as the refresh writes it: a row per reading fetched,
 * none for a last-good value kept through a provider failure, and a catalogue
 * default only when it replaces something else, so a static zone adds no row
 * per cron run.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { CarbonProviderError } from "../../src/carbon/provider-error.js";
import { refreshCarbon } from "../../src/carbon/refresh.js";
import type { CarbonProvider } from "../../src/carbon/signal.js";
import { database } from "../../src/db/client.js";

const HOUR = 3_600_000;
const T0 = Date.parse("2026-11-23T12:00:00.000Z");

const history = async (zoneId: string) =>
	(
		await env.DB.prepare(
			"SELECT fetched_at, gco2_per_kwh, source, valid_at FROM carbon_signal_history WHERE zone_id = ? ORDER BY fetched_at",
		)
			.bind(zoneId)
			.all()
	).results;

beforeEach(async () => {
	await env.DB.batch([
		env.DB.prepare("DELETE FROM carbon_signals"),
		env.DB.prepare("DELETE FROM carbon_signal_history"),
	]);
});

describe("carbon signal history", () => {
	it("keeps every reading fetched, not the last-good repeats, and a default only when it takes over", async () => {
		let next: number | "fail" = 300;
		let now = T0;
		const provider: CarbonProvider = {
			source: "electricitymaps",
			zones: ["DE"],
			async fetchSignal(zone) {
				if (next === "fail") throw new CarbonProviderError("electricitymaps", zone, "http-status", "answered HTTP 503");
				// The reading holds from 10 minutes before it was fetched.
				return {
					zone,
					gco2PerKwh: next,
					source: "electricitymaps",
					observedAt: new Date(now - 600_000).toISOString(),
					fetchedAt: now,
				};
			},
		};
		const refresh = () => refreshCarbon({ db: database(env), provider, maxAgeMs: 6 * HOUR, now: () => now });
		await refresh(); // 300, live
		next = "fail";
		now = T0 + HOUR;
		await refresh(); // last good: no row
		now = T0 + 7 * HOUR;
		await refresh(); // too old: the default takes over
		now = T0 + 8 * HOUR;
		await refresh(); // still the default: no row
		next = 250;
		now = T0 + 9 * HOUR;
		await refresh();
		expect(await history("eu-frankfurt")).toEqual([
			{ fetched_at: T0, gco2_per_kwh: 300, source: "electricitymaps", valid_at: T0 - 600_000 },
			{ fetched_at: T0 + 7 * HOUR, gco2_per_kwh: 341, source: "static", valid_at: Date.UTC(2024, 0, 1) },
			{ fetched_at: T0 + 9 * HOUR, gco2_per_kwh: 250, source: "electricitymaps", valid_at: T0 + 9 * HOUR - 600_000 },
		]);
		// Paris is not covered by the provider: its default, once, across five runs.
		expect(await history("eu-paris")).toEqual([
			{ fetched_at: T0, gco2_per_kwh: 33, source: "static", valid_at: Date.UTC(2024, 0, 1) },
		]);
	});
});
