/**
 * Keeps a usable carbon figure per zone when providers fail. Rules, in order:
 * 1. a successful fetch observed within `maxAgeMs` is used (`live`);
 * 2. otherwise the last good signal is kept while it is younger than
 *    `maxAgeMs` (`last-good`, with its age and the failure);
 * 3. otherwise the static default is used (`static-fallback`);
 * 4. with no static default either, the zone has no figure (`unavailable`).
 * Age is measured from the signal's `observedAt`: what matters to routing is
 * how old the grid reading is, not when we fetched it. Static defaults never
 * age. `nextZoneState` is pure; `refreshCarbonSignals` adds the provider calls
 * and never throws for a provider's failure.
 */
import * as z from "zod";
import { parseConfig } from "./provider-error.js";
import type { CarbonProvider, CarbonSignal } from "./signal.js";

/** Default for `maxAgeMs`: 6 hours. */
export const DEFAULT_MAX_SIGNAL_AGE_MS = 6 * 60 * 60 * 1000;

export const signalCacheOptionsSchema = z.object({
	/** Oldest reading still used, in ms: default 6 h, from 1 min to 7 days. */
	maxAgeMs: z
		.number()
		.int()
		.min(60_000)
		.max(7 * 86_400_000)
		.default(DEFAULT_MAX_SIGNAL_AGE_MS),
});
export type SignalCacheOptions = z.input<typeof signalCacheOptionsSchema>;

/** How a zone's current figure was obtained. */
export type ZoneSignalStatus = "live" | "last-good" | "static-fallback" | "unavailable";

/** A zone's carbon state after a refresh. */
export interface ZoneCarbonState {
	zone: string;
	status: ZoneSignalStatus;
	/** The figure to route and account with; null only when `unavailable`. */
	signal: CarbonSignal | null;
	/** Age of `signal` in ms at the refresh (0 for static defaults and future readings). */
	ageMs: number;
	/** The newest good provider signal, kept for the next refresh. */
	lastGood: CarbonSignal | null;
	/** Why the provider's figure is not used this time; absent when `live`. */
	error?: string;
}

/** The result of asking the provider once: a signal, or why not. */
export type RefreshOutcome = { ok: true; signal: CarbonSignal } | { ok: false; error: string };

/** Age of a signal in ms at `now`; static defaults and future timestamps count as 0. */
export function signalAgeMs(signal: CarbonSignal, now: number): number {
	if (signal.source === "static") return 0;
	return Math.max(0, now - Date.parse(signal.observedAt));
}

/** Applies the fallback rules to one zone (pure). */
export function nextZoneState(
	zone: string,
	previous: ZoneCarbonState | undefined,
	outcome: RefreshOutcome,
	staticDefault: CarbonSignal | undefined,
	now: number,
	maxAgeMs: number = DEFAULT_MAX_SIGNAL_AGE_MS,
): ZoneCarbonState {
	let error: string;
	if (outcome.ok) {
		const ageMs = signalAgeMs(outcome.signal, now);
		if (ageMs <= maxAgeMs) return { zone, status: "live", signal: outcome.signal, ageMs, lastGood: outcome.signal };
		error = `provider's reading is ${Math.round(ageMs / 60_000)} min old, older than the ${Math.round(maxAgeMs / 60_000)} min limit`;
	} else error = outcome.error;
	const lastGood = previous?.lastGood ?? null;
	if (lastGood) {
		const ageMs = signalAgeMs(lastGood, now);
		if (ageMs <= maxAgeMs) return { zone, status: "last-good", signal: lastGood, ageMs, lastGood, error };
	}
	if (staticDefault) return { zone, status: "static-fallback", signal: staticDefault, ageMs: 0, lastGood, error };
	return { zone, status: "unavailable", signal: null, ageMs: 0, lastGood, error };
}

/** What `refreshCarbonSignals` needs. */
export interface RefreshInput {
	/** Grid zones to refresh. */
	zones: readonly string[];
	/** The configured live provider. */
	provider: CarbonProvider;
	/** Static defaults (usually `createStaticProvider` over the catalogue); optional. */
	fallback?: CarbonProvider;
	/** States from the previous refresh, by zone. */
	previous?: ReadonlyMap<string, ZoneCarbonState>;
	/** Clock in epoch ms; defaults to `Date.now`. */
	now?: () => number;
	options?: SignalCacheOptions;
	/** Cancels outstanding provider calls (e.g. the Cron handler's deadline). */
	signal?: AbortSignal;
}

async function settle(call: () => Promise<CarbonSignal>): Promise<RefreshOutcome> {
	try {
		return { ok: true, signal: await call() };
	} catch (err) {
		return { ok: false, error: err instanceof Error ? err.message : String(err) };
	}
}

/** Refreshes every zone concurrently; a provider failure becomes a state, never a rejection. */
export async function refreshCarbonSignals(input: RefreshInput): Promise<Map<string, ZoneCarbonState>> {
	const { maxAgeMs } = parseConfig(signalCacheOptionsSchema, input.options ?? {}, "signal cache");
	const now = input.now ?? Date.now;
	const opts = input.signal ? { signal: input.signal } : {};
	const { provider, fallback: fallbackProvider } = input;
	const states = await Promise.all(
		input.zones.map(async (zone) => {
			const [outcome, fallback] = await Promise.all([
				settle(() => provider.fetchSignal(zone, opts)),
				fallbackProvider ? settle(() => fallbackProvider.fetchSignal(zone)) : undefined,
			]);
			const staticDefault = fallback?.ok ? fallback.signal : undefined;
			return nextZoneState(zone, input.previous?.get(zone), outcome, staticDefault, now(), maxAgeMs);
		}),
	);
	return new Map(states.map((s) => [s.zone, s]));
}
