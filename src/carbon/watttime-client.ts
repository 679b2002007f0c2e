/**
 * WattTime v3 session shared by the signal and forecast adapters. Login:
 * GET {authBaseUrl}/login with HTTP Basic gives a bearer token, cached until
 * shortly before it expires; concurrent calls share one login. Data:
 * GET {baseUrl}/v3/forecast?region=R&signal_type=co2_moer&horizon_hours=H.
 */
import * as z from "zod";
import { CarbonProviderError } from "./provider-error.js";
import { buildUrl, type CallContext, getJson, parseProviderResponse } from "./provider-http.js";
import type { ProviderRuntime } from "./signal.js";

/** The parsed adapter config fields the session needs. */
export interface WattTimeSessionConfig {
	username: string;
	password: string;
	baseUrl: string;
	authBaseUrl?: string | undefined;
	tokenTtlMs: number;
	tokenRefreshMarginMs: number;
	timeoutMs: number;
}

/** One logged-in WattTime client. */
export interface WattTimeSession {
	/** The raw `/v3/forecast` answer for a region, logging in (again, once, on an auth error) as needed. */
	forecast(ctx: CallContext, region: string, horizonHours: number, signal: AbortSignal | undefined): Promise<unknown>;
}

const loginResponseSchema = z.object({ token: z.string().min(1) });

/** UTF-8 safe base64 for the Basic credentials (btoa alone only takes Latin-1). */
function basicCredentials(username: string, password: string): string {
	const bytes = new TextEncoder().encode(`${username}:${password}`);
	let binary = "";
	for (const b of bytes) binary += String.fromCharCode(b);
	return `Basic ${btoa(binary)}`;
}

export function createWattTimeSession(cfg: WattTimeSessionConfig, runtime: ProviderRuntime): WattTimeSession {
	const now = runtime.now ?? Date.now;
	const doFetch = runtime.fetch ?? fetch;
	let token: { value: string; expiresAt: number } | undefined;
	let pendingLogin: Promise<string> | undefined;

	async function login(ctx: CallContext, signal: AbortSignal | undefined): Promise<string> {
		const body = await getJson(ctx, {
			url: buildUrl(cfg.authBaseUrl ?? cfg.baseUrl, "/login"),
			headers: { authorization: basicCredentials(cfg.username, cfg.password) },
			timeoutMs: cfg.timeoutMs,
			signal,
			fetch: doFetch,
		});
		const { token: value } = parseProviderResponse(ctx, loginResponseSchema, body, "login");
		token = { value, expiresAt: now() + cfg.tokenTtlMs };
		return value;
	}

	function bearer(ctx: CallContext, signal: AbortSignal | undefined): Promise<string> {
		if (token && now() < token.expiresAt - cfg.tokenRefreshMarginMs) return Promise.resolve(token.value);
		pendingLogin ??= login(ctx, signal).finally(() => {
			pendingLogin = undefined;
		});
		return pendingLogin;
	}

	return {
		async forecast(ctx, region, horizonHours, signal) {
			const query = { region, signal_type: "co2_moer", horizon_hours: String(horizonHours) };
			const request = async () =>
				getJson(ctx, {
					url: buildUrl(cfg.baseUrl, "/v3/forecast", query),
					headers: { authorization: `Bearer ${await bearer(ctx, signal)}` },
					timeoutMs: cfg.timeoutMs,
					signal,
					fetch: doFetch,
				});
			try {
				return await request();
			} catch (err) {
				// A token revoked or expired early: log in again once, then give up.
				if (!(err instanceof CarbonProviderError) || err.reason !== "auth") throw err;
				token = undefined;
				return request();
			}
		},
	};
}
