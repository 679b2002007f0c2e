/** WattTime v3 adapter: Basic login, cached bearer token, MOER lbs/MWh converted to g/kWh. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LBS_PER_MWH_TO_G_PER_KWH } from "../../src/carbon/signal.js";
import { createWattTimeProvider, type WattTimeConfig } from "../../src/carbon/watttime.js";
import { type FakeWattTime, startFakeWattTime } from "../support/fake-carbon-servers.js";

let clock = Date.parse("2026-11-23T12:07:00Z");
let fake: FakeWattTime;
const forecast = [
	{ point_time: "2026-11-23T12:00:00+00:00", value: 900 },
	{ point_time: "2026-11-23T12:05:00+00:00", value: 1000 },
	{ point_time: "2026-11-23T12:10:00+00:00", value: 1100 },
];

beforeEach(async () => {
	clock = Date.parse("2026-11-23T12:07:00Z");
	fake = await startFakeWattTime({ username: "ärc", password: "s3cret", regions: { CAISO_NORTH: forecast } });
});
afterEach(() => fake.close());

const config = (): WattTimeConfig => ({
	username: "ärc",
	password: "s3cret",
	regions: { "US-CAL-CISO": "CAISO_NORTH" },
	baseUrl: fake.baseUrl,
});
const provider = (overrides: Partial<WattTimeConfig> = {}) =>
	createWattTimeProvider({ ...config(), ...overrides }, { now: () => clock });

describe("WattTime adapter", () => {
	it("logs in with Basic auth, then reads the current MOER with the bearer token and converts lbs/MWh to g/kWh", async () => {
		const signal = await provider().fetchSignal("US-CAL-CISO");
		expect(signal.gco2PerKwh).toBeCloseTo(1000 * LBS_PER_MWH_TO_G_PER_KWH, 9);
		expect(signal.gco2PerKwh).toBeCloseTo(453.592, 6);
		expect(signal.observedAt).toBe("2026-11-23T12:05:00.000Z");
		const [login, data] = fake.requests;
		expect(login?.path).toBe("/login");
		expect(login?.headers.authorization).toBe(`Basic ${Buffer.from("ärc:s3cret").toString("base64")}`);
		expect(data?.path).toBe("/v3/forecast");
		expect(data?.query.get("region")).toBe("CAISO_NORTH");
		expect(data?.query.get("signal_type")).toBe("co2_moer");
		expect(data?.headers.authorization).toMatch(/^Bearer tok-/);
	});

	it("reuses its token until near expiry, then logs in again", async () => {
		const wt = provider({ tokenTtlMs: 30 * 60_000, tokenRefreshMarginMs: 60_000 });
		await wt.fetchSignal("US-CAL-CISO");
		clock += 28 * 60_000;
		await wt.fetchSignal("US-CAL-CISO");
		expect(fake.logins).toBe(1);
		clock += 90_000;
		await wt.fetchSignal("US-CAL-CISO");
		expect(fake.logins).toBe(2);
	});

	it("shares one login between concurrent calls", async () => {
		const wt = provider();
		await Promise.all([wt.fetchSignal("US-CAL-CISO"), wt.fetchSignal("US-CAL-CISO"), wt.fetchSignal("US-CAL-CISO")]);
		expect(fake.logins).toBe(1);
	});

	it("logs in again once when the token is refused", async () => {
		const wt = provider();
		await wt.fetchSignal("US-CAL-CISO");
		fake.revokeTokens();
		await expect(wt.fetchSignal("US-CAL-CISO")).resolves.toMatchObject({ source: "watttime" });
		expect(fake.logins).toBe(2);
	});

	it("reports wrong credentials as an auth failure", async () => {
		await expect(provider({ password: "nope" }).fetchSignal("US-CAL-CISO")).rejects.toMatchObject({
			reason: "auth",
			status: 403,
		});
	});

	it("refuses a percentile signal it cannot convert, naming meta.units", async () => {
		await fake.close();
		fake = await startFakeWattTime({
			username: "ärc",
			password: "s3cret",
			regions: { CAISO_NORTH: forecast },
			units: "percentile",
		});
		await expect(provider().fetchSignal("US-CAL-CISO")).rejects.toThrow(
			/meta\.units: expected "lbs_co2_per_mwh", got "percentile"/,
		);
	});

	it("refuses a zone with no configured WattTime region", async () => {
		await expect(provider().fetchSignal("DE")).rejects.toMatchObject({ reason: "unsupported-zone" });
		expect(fake.requests).toHaveLength(0);
	});

	it("fails cleanly when the login endpoint is down", async () => {
		fake.loginMode = "http-500";
		await expect(provider().fetchSignal("US-CAL-CISO")).rejects.toMatchObject({ reason: "http-status", status: 500 });
	});

	it("rejects a config without regions", () => {
		expect(() => createWattTimeProvider({ ...config(), regions: {} })).toThrow(/regions/);
	});
});
