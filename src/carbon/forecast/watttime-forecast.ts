/**
 * WattTime v3 forecast: GET {baseUrl}/v3/forecast?region=R&signal_type=co2_moer&horizon_hours=H
 * after a Basic login (GET /login gives a bearer token, kept for its
 * lifetime). Points every `meta.data_point_period_seconds`, MOER in lbs/MWh
 * (x 0.453592 = g/kWh).
 */
import * as z from "zod";
import { CarbonProviderError, parseConfig } from "../provider-error.js";
import { buildUrl, type CallContext, getJson, parseProviderResponse } from "../provider-http.js";
import { LBS_PER_MWH_TO_G_PER_KWH, type ProviderRuntime, providerTimestampSchema } from "../signal.js";
import { type WattTimeConfig, wattTimeConfigSchema } from "../watttime.js";
import type { ForecastProvider } from "./forecast.js";

/** How far ahead to ask: WattTime forecasts up to 72 h; batches wait at most 24 h. */
const HORIZON_HOURS = "24";

const loginSchema = z.object({ token: z.string().min(1) });
const responseSchema = z.object({
	data: z.array(z.object({ point_time: providerTimestampSchema, value: z.number().min(0) })).min(1),
	meta: z.object({
		signal_type: z.literal("co2_moer"),
		units: z.literal("lbs_co2_per_mwh"),
		data_point_period_seconds: z.number().int().positive(),
		generated_at: providerTimestampSchema.optional(),
	}),
});

function basic(username: string, password: string): string {
	let binary = "";
	for (const b of new TextEncoder().encode(`${username}:${password}`)) binary += String.fromCharCode(b);
	return `Basic ${btoa(binary)}`;
}

/** Creates the WattTime forecast adapter (same config as its signal adapter). */
export function createWattTimeForecast(config: WattTimeConfig, runtime: ProviderRuntime = {}): ForecastProvider {
	const cfg = parseConfig(wattTimeConfigSchema, config, "watttime");
	const now = runtime.now ?? Date.now;
	const doFetch = runtime.fetch ?? fetch;
	let token: { value: string; expiresAt: number } | undefined;

	async function bearer(ctx: CallContext, signal: AbortSignal | undefined): Promise<string> {
		if (token && now() < token.expiresAt - cfg.tokenRefreshMarginMs) return token.value;
		const body = await getJson(ctx, {
			url: buildUrl(cfg.authBaseUrl ?? cfg.baseUrl, "/login"),
			headers: { authorization: basic(cfg.username, cfg.password) },
			timeoutMs: cfg.timeoutMs,
			signal,
			fetch: doFetch,
		});
		const { token: value } = parseProviderResponse(ctx, loginSchema, body, "login");
		token = { value, expiresAt: now() + cfg.tokenTtlMs };
		return value;
	}

	return {
		source: "watttime",
		async fetchForecast(zone, options = {}) {
			const ctx = { source: "watttime" as const, zone };
			const region = cfg.regions[zone];
			if (region === undefined) {
				throw new CarbonProviderError(
					ctx.source,
					zone,
					"unsupported-zone",
					"no WattTime region is configured for this zone",
				);
			}
			const query = { region, signal_type: "co2_moer", horizon_hours: HORIZON_HOURS };
			const request = async () =>
				getJson(ctx, {
					url: buildUrl(cfg.baseUrl, "/v3/forecast", query),
					headers: { authorization: `Bearer ${await bearer(ctx, options.signal)}` },
					timeoutMs: cfg.timeoutMs,
					signal: options.signal,
					fetch: doFetch,
				});
			let body: unknown;
			try {
				body = await request();
			} catch (err) {
				// A token revoked early: log in again once.
				if (!(err instanceof CarbonProviderError) || err.reason !== "auth") throw err;
				token = undefined;
				body = await request();
			}
			const { data, meta } = parseProviderResponse(ctx, responseSchema, body, "forecast");
			const durationMs = meta.data_point_period_seconds * 1000;
			const points = data
				.map((p) => ({ startMs: Date.parse(p.point_time), durationMs, gco2PerKwh: p.value * LBS_PER_MWH_TO_G_PER_KWH }))
				.sort((a, b) => a.startMs - b.startMs);
			const generatedAt = meta.generated_at ? Date.parse(meta.generated_at) : now();
			return { zone, source: "watttime", generatedAt, points };
		},
	};
}
