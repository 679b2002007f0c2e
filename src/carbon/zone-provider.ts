/**
 * The frame every carbon adapter shares: it serves the zones it can map to
 * what its API is asked for (a zone code, a region, a location), refuses any
 * other zone as `unsupported-zone` before a request is made, and hands the
 * fetch its call context for errors.
 */
import { CarbonProviderError } from "./provider-error.js";
import type { CallContext } from "./provider-http.js";
import type { CarbonProvider, CarbonSignal, CarbonSource, FetchSignalOptions } from "./signal.js";

/** What an adapter states; `zoneProvider` turns it into a `CarbonProvider`. */
export interface ZoneProviderSpec<T> {
	source: CarbonSource;
	/** The zones it is configured for; undefined when it takes any zone `target` accepts. */
	zones: readonly string[] | undefined;
	/** What the API is asked for `zone`, or undefined when the zone is not served. */
	target(zone: string): T | undefined;
	/** Why a zone is not served: the detail of its `unsupported-zone` error. */
	unsupported(zone: string): string;
	/** Fetches the signal of a served zone. */
	fetch(zone: string, target: T, options: FetchSignalOptions, ctx: CallContext): Promise<CarbonSignal>;
}

/** The provider of an adapter's spec. */
export function zoneProvider<T>(spec: ZoneProviderSpec<T>): CarbonProvider {
	return {
		source: spec.source,
		zones: spec.zones,
		async fetchSignal(zone, options = {}): Promise<CarbonSignal> {
			const target = spec.target(zone);
			if (target === undefined) {
				throw new CarbonProviderError(spec.source, zone, "unsupported-zone", spec.unsupported(zone));
			}
			return spec.fetch(zone, target, options, { source: spec.source, zone });
		},
	};
}
