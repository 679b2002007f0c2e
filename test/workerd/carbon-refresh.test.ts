/**
 * The carbon refresh inside workerd against the migrated D1: the Cron handler
 * with the default static provider, and the fallback rules across cron runs
 * with an injected provider (the HTTP adapters are tested in Node against fake
 * servers, test/node/carbon-*.test.ts).
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { CarbonProviderError } from "../../src/carbon/provider-error.js";
import { refreshCarbon } from "../../src/carbon/refresh.js";
import type { CarbonProvider, CarbonSignal } from "../../src/carbon/signal.js";
import { database } from "../../src/db/client.js";
import worker from "../../src/index.js";
import { runCarbonRefresh } from "../../src/scheduled.js";

interface Row {
	zone_id: string;
	grid_zone: string;
	gco2_per_kwh: number;
	source: string;
	observed_at: number;
	fetched_at: number;
	last_error: string | null;
	last_error_at: number | null;
}

const rows = async () => (await env.DB.prepare("SELECT * FROM carbon_signals ORDER BY zone_id").all<Row>()).results;
const row = async (zoneId: string) =>
	env.DB.prepare("SELECT * FROM carbon_signals WHERE zone_id = ?").bind(zoneId).first<Row>();

const HOUR = 3_600_000;
const T0 = Date.parse("2026-11-23T12:00:00.000Z");

/** A provider for grid zone DE only, whose next answer the test sets: a reading, or a failure. */
function scriptedProvider() {
	let next: { gco2PerKwh: number; observedAt: number } | "fail" = "fail";
	const provider: CarbonProvider = {
		source: "electricitymaps",
		zones: ["DE"],
		async fetchSignal(zone): Promise<CarbonSignal> {
			if (next === "fail") throw new CarbonProviderError("electricitymaps", zone, "http-status", "answered HTTP 503");
			return {
				zone,
				gco2PerKwh: next.gco2PerKwh,
				source: "electricitymaps",
				observedAt: new Date(next.observedAt).toISOString(),
				fetchedAt: next.observedAt,
			};
		},
	};
	return {
		provider,
		answer: (gco2PerKwh: number, observedAt: number) => {
			next = { gco2PerKwh, observedAt };
		},
		fail: () => {
			next = "fail";
		},
	};
}

beforeEach(async () => {
	await env.DB.exec("DELETE FROM carbon_signals");
});

describe("carbon refresh: cron handler", () => {
	it("writes every enabled zone's catalogue default when the provider is static", async () => {
		const controller = createScheduledController({ scheduledTime: T0, cron: "*/5 * * * *" });
		const ctx = createExecutionContext();
		await worker.scheduled(controller, env, ctx);
		await waitOnExecutionContext(ctx);

		const stored = await rows();
		const defaults = (
			await env.DB.prepare(
				"SELECT id, grid_zone, default_gco2_per_kwh FROM geozones WHERE enabled = 1 ORDER BY id",
			).all<{
				id: string;
				grid_zone: string;
				default_gco2_per_kwh: number;
			}>()
		).results;
		expect(stored).toHaveLength(27);
		expect(stored.map((r) => [r.zone_id, r.grid_zone, r.gco2_per_kwh])).toEqual(
			defaults.map((d) => [d.id, d.grid_zone, d.default_gco2_per_kwh]),
		);
		expect(new Set(stored.map((r) => r.source))).toEqual(new Set(["static"]));
		expect(stored.every((r) => r.last_error === null && r.observed_at === Date.UTC(2024, 0, 1))).toBe(true);
		expect(await row("eu-london")).toMatchObject({ grid_zone: "GB", gco2_per_kwh: 175 });
	});

	it("records a bad provider config on every zone, naming the missing var, and still writes the defaults", async () => {
		await runCarbonRefresh({ ...env, CARBON_PROVIDER: "watttime" } as unknown as Env);
		const stored = await rows();
		expect(stored).toHaveLength(27);
		expect(stored.every((r) => r.source === "static")).toBe(true);
		expect(stored[0]?.last_error).toMatch(/CARBON_PROVIDER "watttime" needs WATTTIME_USERNAME and WATTTIME_PASSWORD/);
	});
});

describe("carbon refresh: a provider that fails", () => {
	it("keeps the last good value with its age, then falls back to the default once it is too old", async () => {
		const script = scriptedProvider();
		const db = database(env);
		let now = T0;
		const refresh = () => refreshCarbon({ db, provider: script.provider, maxAgeMs: 6 * HOUR, now: () => now });

		script.answer(300, T0);
		expect(await refresh()).toMatchObject({ provider: "electricitymaps", zones: 27, live: 1, staticFallback: 26 });
		expect(await row("eu-frankfurt")).toMatchObject({
			source: "electricitymaps",
			gco2_per_kwh: 300,
			observed_at: T0,
			last_error: null,
		});

		script.fail();
		now = T0 + HOUR;
		expect(await refresh()).toMatchObject({ live: 0, lastGood: 1, failed: 1 });
		const kept = await row("eu-frankfurt");
		expect(kept).toMatchObject({ source: "electricitymaps", gco2_per_kwh: 300, observed_at: T0, last_error_at: now });
		expect(now - (kept?.observed_at ?? 0)).toBe(HOUR);
		expect(kept?.last_error).toMatch(/electricitymaps \(DE\): answered HTTP 503/);

		now = T0 + 6 * HOUR + 1;
		expect(await refresh()).toMatchObject({ lastGood: 0, staticFallback: 27, failed: 1 });
		expect(await row("eu-frankfurt")).toMatchObject({ source: "static", gco2_per_kwh: 341, last_error_at: now });

		script.answer(250, now);
		expect(await refresh()).toMatchObject({ live: 1, failed: 0 });
		expect(await row("eu-frankfurt")).toMatchObject({ source: "electricitymaps", gco2_per_kwh: 250, last_error: null });
	});

	it("does not ask the provider for zones it does not cover, and leaves them without an error", async () => {
		const asked: string[] = [];
		const provider: CarbonProvider = {
			source: "uk-carbon-intensity",
			zones: ["GB"],
			async fetchSignal(zone) {
				asked.push(zone);
				return {
					zone,
					gco2PerKwh: 120,
					source: "uk-carbon-intensity",
					observedAt: new Date(T0).toISOString(),
					fetchedAt: T0,
				};
			},
		};
		await refreshCarbon({ db: database(env), provider, now: () => T0 });
		expect(asked).toEqual(["GB"]);
		expect(await row("eu-london")).toMatchObject({ source: "uk-carbon-intensity", gco2_per_kwh: 120 });
		expect(await row("eu-paris")).toMatchObject({ source: "static", gco2_per_kwh: 33, last_error: null });
	});

	it("keeps at most `concurrency` provider calls in flight", async () => {
		let inFlight = 0;
		let maxInFlight = 0;
		let calls = 0;
		const provider: CarbonProvider = {
			source: "electricitymaps",
			zones: undefined,
			async fetchSignal(zone) {
				calls++;
				inFlight++;
				maxInFlight = Math.max(maxInFlight, inFlight);
				await new Promise((resolve) => setTimeout(resolve, 1));
				inFlight--;
				return {
					zone,
					gco2PerKwh: 100,
					source: "electricitymaps",
					observedAt: new Date(T0).toISOString(),
					fetchedAt: T0,
				};
			},
		};
		const summary = await refreshCarbon({ db: database(env), provider, concurrency: 3, now: () => T0 });
		expect(calls).toBe(27);
		expect(maxInFlight).toBe(3);
		expect(summary).toMatchObject({ live: 27, failed: 0 });
	});

	it("resolves a summary naming the error, instead of rejecting, when D1 fails", async () => {
		const provider: CarbonProvider = {
			source: "electricitymaps",
			zones: ["DE"],
			fetchSignal: () => Promise.reject(new Error("unreachable")),
		};
		await env.DB.exec("ALTER TABLE carbon_signals RENAME TO carbon_signals_away");
		try {
			const summary = await refreshCarbon({ db: database(env), provider, now: () => T0 });
			expect(summary.error).toMatch(/carbon_signals/);
		} finally {
			await env.DB.exec("ALTER TABLE carbon_signals_away RENAME TO carbon_signals");
		}
	});
});
