/**
 * Static defaults: the catalogue's yearly average gCO2eq/kWh per grid zone
 * (geozones.default_gco2_per_kwh). It never fails for a configured zone, which
 * is why it is the last fallback of the signal cache, and it never goes stale.
 */
import * as z from "zod";
import { CarbonProviderError, parseConfig } from "./provider-error.js";
import { type CarbonProvider, type CarbonSignal, gridZoneSchema, type ProviderRuntime } from "./signal.js";

export const staticConfigSchema = z.object({
	/** Grid zone -> yearly average gCO2eq/kWh (0 to 5,000). */
	defaults: z.record(gridZoneSchema, z.number().min(0).max(5_000)),
	/** The year the averages describe: default 2024 (the seed data's year); `observedAt` is its 1 January. */
	year: z.number().int().min(2000).max(2100).default(2024),
});
export type StaticConfig = z.input<typeof staticConfigSchema>;

/** Builds the static config's `defaults` from catalogue rows (the first row of a grid zone wins). */
export function defaultsFromCatalogue(
	rows: readonly { gridZone: string; defaultGco2PerKwh: number }[],
): Record<string, number> {
	const defaults: Record<string, number> = {};
	for (const row of rows) defaults[row.gridZone] ??= row.defaultGco2PerKwh;
	return defaults;
}

/** Creates the static provider; throws `CarbonConfigError` on a bad config. */
export function createStaticProvider(config: StaticConfig, runtime: ProviderRuntime = {}): CarbonProvider {
	const cfg = parseConfig(staticConfigSchema, config, "static");
	const now = runtime.now ?? Date.now;
	const observedAt = new Date(Date.UTC(cfg.year, 0, 1)).toISOString();
	return {
		source: "static",
		zones: Object.keys(cfg.defaults),
		async fetchSignal(zone): Promise<CarbonSignal> {
			const gco2PerKwh = cfg.defaults[zone];
			if (gco2PerKwh === undefined) {
				throw new CarbonProviderError("static", zone, "unsupported-zone", "no static default for this zone");
			}
			return { zone, gco2PerKwh, source: "static", observedAt, fetchedAt: now() };
		},
	};
}
