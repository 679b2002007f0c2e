/**
 * The cron-driven carbon refresh: asks the configured provider for every
 * enabled zone, applies the signal-cache rules (`nextZoneState`) against the
 * values D1 already holds, and writes every zone's row, with the new readings
 * appended to `carbon_signal_history`, in one `db.batch`.
 * It never throws: a provider or D1 failure is logged and recorded, and the
 * rows D1 already holds stay, so routing always has a figure to read.
 */

import { type CarbonSignalRow, listCarbonZones, readCarbonSignals, upsertCarbonSignals } from "../db/carbon-signals.js";
import type { Database } from "../db/client.js";
import { type CarbonProvider, type CarbonSignal, carbonSourceSchema } from "./signal.js";
import { DEFAULT_MAX_SIGNAL_AGE_MS, nextZoneState, type RefreshOutcome, type ZoneCarbonState } from "./signal-cache.js";
import { newReadings } from "./signal-history.js";
import { createStaticProvider, defaultsFromCatalogue } from "./static.js";

/** What `refreshCarbon` needs; tests pass their own `provider` and clock. */
export interface CarbonRefreshInput {
	db: Database;
	/**
	 * The live provider, or a factory given the catalogue defaults by grid zone
	 * (what the static provider needs). Zones outside `provider.zones` go
	 * straight to their catalogue default. A factory that throws (bad config)
	 * counts as a provider failing for every zone.
	 */
	provider: CarbonProvider | ((staticDefaults: Record<string, number>) => CarbonProvider);
	/** Oldest reading still used (ms): default 6 h. */
	maxAgeMs?: number;
	/** Provider calls in flight at once: default 6. */
	concurrency?: number;
	/** Clock in epoch ms: default `Date.now`. */
	now?: () => number;
	/** Cancels outstanding provider calls (the handler's deadline). */
	signal?: AbortSignal;
}

/** Stands in for a provider that could not be built: every call fails with why. */
function failingProvider(message: string): CarbonProvider {
	return { source: "static", zones: undefined, fetchSignal: () => Promise.reject(new Error(message)) };
}

function resolveProvider(
	provider: CarbonRefreshInput["provider"],
	defaults: Record<string, number>,
): { provider: CarbonProvider; name: string } {
	if (typeof provider !== "function") return { provider, name: provider.source };
	try {
		const built = provider(defaults);
		return { provider: built, name: built.source };
	} catch (err) {
		return { provider: failingProvider(err instanceof Error ? err.message : String(err)), name: "misconfigured" };
	}
}

/** One line's worth of what a refresh did. */
export interface CarbonRefreshSummary {
	provider: string;
	zones: number;
	live: number;
	lastGood: number;
	staticFallback: number;
	unavailable: number;
	/** Zones whose provider call failed (or answered a reading too old). */
	failed: number;
	/** Set when the refresh itself failed (D1): nothing was written. */
	error?: string;
}

/** Runs `task` over `items` with at most `limit` in flight; results keep the input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
	const results: R[] = new Array(items.length);
	let next = 0;
	const worker = async (): Promise<void> => {
		while (next < items.length) {
			const i = next++;
			results[i] = await task(items[i] as T);
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
	return results;
}

async function settle(call: () => Promise<CarbonSignal>): Promise<RefreshOutcome> {
	try {
		return { ok: true, signal: await call() };
	} catch (err) {
		return { ok: false, error: err instanceof Error ? err.message : String(err) };
	}
}

/** The stored row as the previous refresh's state; a static row carries no last good provider value. */
function previousState(row: CarbonSignalRow | undefined): ZoneCarbonState | undefined {
	if (!row) return undefined;
	const source = carbonSourceSchema.safeParse(row.source);
	if (!source.success || source.data === "static") return undefined;
	const signal: CarbonSignal = {
		zone: row.gridZone,
		gco2PerKwh: row.gco2PerKwh,
		source: source.data,
		observedAt: new Date(row.observedAt).toISOString(),
		fetchedAt: row.fetchedAt,
	};
	return { zone: row.gridZone, status: "live", signal, ageMs: 0, lastGood: signal };
}

function toRow(zoneId: string, state: ZoneCarbonState, signal: CarbonSignal, now: number): CarbonSignalRow {
	return {
		zoneId,
		gridZone: signal.zone,
		gco2PerKwh: signal.gco2PerKwh,
		source: signal.source,
		observedAt: Date.parse(signal.observedAt),
		fetchedAt: signal.fetchedAt,
		// The error says why the stored figure is not a fresh provider reading; a live reading clears it.
		lastError: state.error ?? null,
		lastErrorAt: state.error ? now : null,
	};
}

/** Refreshes every enabled zone's row of `carbon_signals`; resolves a summary, never rejects. */
export async function refreshCarbon(input: CarbonRefreshInput): Promise<CarbonRefreshSummary> {
	const { db } = input;
	const clock = input.now ?? Date.now;
	const maxAgeMs = input.maxAgeMs ?? DEFAULT_MAX_SIGNAL_AGE_MS;
	const summary: CarbonRefreshSummary = {
		provider: typeof input.provider === "function" ? "unresolved" : input.provider.source,
		zones: 0,
		live: 0,
		lastGood: 0,
		staticFallback: 0,
		unavailable: 0,
		failed: 0,
	};
	try {
		const [zones, stored] = await Promise.all([listCarbonZones(db), readCarbonSignals(db)]);
		summary.zones = zones.length;
		const defaults = defaultsFromCatalogue(zones);
		const fallback = createStaticProvider({ defaults }, { now: clock });
		const { provider, name } = resolveProvider(input.provider, defaults);
		summary.provider = name;
		const covers = (gridZone: string) => provider.zones === undefined || provider.zones.includes(gridZone);
		// One provider call per grid zone, however many zones share it.
		const gridZones = [...new Set(zones.map((z) => z.gridZone).filter(covers))];
		const opts = input.signal ? { signal: input.signal } : {};
		const outcomes = await mapLimit(gridZones, input.concurrency ?? 6, (g) =>
			settle(() => provider.fetchSignal(g, opts)),
		);
		const byGrid = new Map(gridZones.map((g, i) => [g, outcomes[i]]));
		const rows: CarbonSignalRow[] = [];
		for (const zone of zones) {
			const staticOutcome = await settle(() => fallback.fetchSignal(zone.gridZone));
			const staticDefault = staticOutcome.ok ? staticOutcome.signal : undefined;
			const outcome = byGrid.get(zone.gridZone);
			const now = clock();
			// A zone the provider does not cover takes its default without an error: nothing failed.
			const state: ZoneCarbonState = outcome
				? nextZoneState(zone.gridZone, previousState(stored.get(zone.id)), outcome, staticDefault, now, maxAgeMs)
				: {
						zone: zone.gridZone,
						status: staticDefault ? "static-fallback" : "unavailable",
						signal: staticDefault ?? null,
						ageMs: 0,
						lastGood: null,
					};
			if (state.status === "live") summary.live++;
			else if (state.status === "last-good") summary.lastGood++;
			else if (state.status === "static-fallback") summary.staticFallback++;
			else summary.unavailable++;
			if (state.error) summary.failed++;
			if (state.signal) rows.push(toRow(zone.id, state, state.signal, now));
		}
		await upsertCarbonSignals(db, rows, newReadings(rows, stored));
	} catch (err) {
		summary.error = err instanceof Error ? err.message : String(err);
	}
	return summary;
}

/** The summary as one log line (no credentials: none reach the summary). */
export function formatRefreshSummary(s: CarbonRefreshSummary): string {
	const counts = `zones=${s.zones} live=${s.live} last-good=${s.lastGood} static=${s.staticFallback} unavailable=${s.unavailable} failed=${s.failed}`;
	return `carbon refresh provider=${s.provider} ${counts}${s.error ? ` error=${JSON.stringify(s.error)}` : ""}`;
}
