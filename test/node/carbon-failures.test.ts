/**
 * Every HTTP adapter under the same failures: HTTP 500, no answer before the
 * timeout, a body that is not JSON, a JSON body of the wrong shape, and a
 * caller that cancels. Each must reject with a CarbonProviderError that says
 * which provider, which zone and what went wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCarbonAwareSdkProvider } from "../../src/carbon/carbon-aware-sdk.js";
import { createElectricityMapsProvider } from "../../src/carbon/electricitymaps.js";
import { CarbonProviderError } from "../../src/carbon/provider-error.js";
import type { CarbonProvider } from "../../src/carbon/signal.js";
import { createUkCarbonIntensityProvider } from "../../src/carbon/uk-carbon-intensity.js";
import { createWattTimeProvider } from "../../src/carbon/watttime.js";
import {
	type FakeServer,
	startFakeCarbonAwareSdk,
	startFakeElectricityMaps,
	startFakeUkCarbonIntensity,
	startFakeWattTime,
} from "../support/fake-carbon-servers.js";

/** Long enough that a loaded machine answers in time; the hang test waits it out once per adapter. */
const TIMEOUT_MS = 1_500;
const at = "2026-11-23T12:00:00Z";

interface Case {
	name: string;
	zone: string;
	malformedField: RegExp;
	start(): Promise<{ fake: FakeServer; provider: CarbonProvider }>;
}

const cases: Case[] = [
	{
		name: "electricitymaps",
		zone: "DE",
		malformedField: /zone: expected string, got nothing \(missing\)/,
		async start() {
			const fake = await startFakeElectricityMaps({
				apiKey: "k",
				zones: { DE: { carbonIntensity: 300, datetime: at } },
			});
			return {
				fake,
				provider: createElectricityMapsProvider({ apiKey: "k", baseUrl: fake.baseUrl, timeoutMs: TIMEOUT_MS }),
			};
		},
	},
	{
		name: "watttime",
		zone: "US-CAL-CISO",
		malformedField: /data: expected array, got nothing \(missing\)/,
		async start() {
			const fake = await startFakeWattTime({
				username: "u",
				password: "p",
				regions: { CAISO_NORTH: [{ point_time: at, value: 800 }] },
			});
			const config = {
				username: "u",
				password: "p",
				regions: { "US-CAL-CISO": "CAISO_NORTH" },
				baseUrl: fake.baseUrl,
				timeoutMs: TIMEOUT_MS,
			};
			return { fake, provider: createWattTimeProvider(config) };
		},
	},
	{
		name: "uk-carbon-intensity",
		zone: "GB",
		malformedField: /data: expected array, got nothing \(missing\)/,
		async start() {
			const fake = await startFakeUkCarbonIntensity({
				national: { from: at, to: at, forecast: 200, actual: null },
				regions: {},
			});
			return { fake, provider: createUkCarbonIntensityProvider({ baseUrl: fake.baseUrl, timeoutMs: TIMEOUT_MS }) };
		},
	},
	{
		name: "carbon-aware-sdk",
		zone: "IE",
		malformedField: /expected array, got \{"unexpected":true\} \(object\)/,
		async start() {
			const fake = await startFakeCarbonAwareSdk({ locations: { northeurope: [{ time: at, rating: 400 }] } });
			return {
				fake,
				provider: createCarbonAwareSdkProvider({
					baseUrl: fake.baseUrl,
					locations: { IE: "northeurope" },
					timeoutMs: TIMEOUT_MS,
				}),
			};
		},
	},
];

describe.each(cases)("$name adapter failures", (c) => {
	let fake: FakeServer;
	let provider: CarbonProvider;
	beforeAll(async () => {
		({ fake, provider } = await c.start());
	});
	afterAll(() => fake.close());

	const failure = async () => {
		const err = await provider.fetchSignal(c.zone).then(
			() => undefined,
			(e: unknown) => e,
		);
		expect(err).toBeInstanceOf(CarbonProviderError);
		expect((err as CarbonProviderError).message).toContain(`${c.name} (${c.zone})`);
		return err as CarbonProviderError;
	};

	it("answers normally when the fake is healthy", async () => {
		fake.mode = "ok";
		await expect(provider.fetchSignal(c.zone)).resolves.toMatchObject({ zone: c.zone, source: c.name });
	});

	it("reports an HTTP 500 with its status", async () => {
		fake.mode = "http-500";
		expect(await failure()).toMatchObject({ reason: "http-status", status: 500 });
	});

	it("gives up after its timeout when the provider never answers", async () => {
		fake.mode = "hang";
		const err = await failure();
		expect(err.reason).toBe("timeout");
		expect(err.message).toContain(`within ${TIMEOUT_MS} ms`);
	});

	it("reports a body that is not JSON as malformed", async () => {
		fake.mode = "not-json";
		const err = await failure();
		expect(err.reason).toBe("malformed");
		expect(err.message).toMatch(/not JSON/);
	});

	it("names the missing field of a JSON body of the wrong shape", async () => {
		fake.mode = "malformed";
		const err = await failure();
		expect(err.reason).toBe("malformed");
		expect(err.message).toMatch(c.malformedField);
	});

	it("stops when the caller cancels, and says so", async () => {
		fake.mode = "hang";
		const controller = new AbortController();
		const pending = provider.fetchSignal(c.zone, { signal: controller.signal });
		controller.abort();
		await expect(pending).rejects.toMatchObject({ reason: "aborted" });
	});

	it("reports a refused connection as a network failure", async () => {
		await fake.close();
		const err = await failure();
		expect(err.reason).toBe("network");
		expect(err.cause).toBeDefined();
	});
});
