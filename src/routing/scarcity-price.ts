/**
 * The scarcity price of a zone's next slot, in gCO2eq/kWh, added to its
 * carbon figure by the carbon-weighing policies (policy.ts):
 *
 *   price = SCARCITY_PRICE_MAX × (e^(k·u) − 1) / (e^k − 1) × sizeFactor,  u = (slots − freeSlots + 1) / slots
 *   sizeFactor = min(SIZE_FACTOR_MAX, REFERENCE_OUTPUT_TOKENS / expectedTokens)  (unknown size: 1)
 *
 * Why, and how the constants were tuned: docs/routing.md ("Scarcity price")
 * and docs/routing-benchmark.md.
 */

/** Price of a zone's last free slot for a median-size request, gCO2eq/kWh (about the clean-to-mid-grid gap). */
export const SCARCITY_PRICE_MAX = 200;

/** Convexity of the price in utilisation (> 0): 1 keeps it near linear, rising faster as the zone fills. */
export const SCARCITY_CONVEXITY = 1;

/** The output length of a median request (the size at which sizeFactor is 1), tokens. */
export const REFERENCE_OUTPUT_TOKENS = 250;

/** Upper bound of sizeFactor, so a tiny max_tokens cannot make a clean zone look arbitrarily dirty. */
export const SIZE_FACTOR_MAX = 4;

/** The capacity figures the price needs; without `slots` (or with slots <= 0) the price is 0. */
export interface ZoneCapacity {
	freeSlots: number;
	slots?: number;
}

/** Utilisation counting the slot the request would take, in [0, 1]; null when the zone's slots are unknown. */
export function utilisationAfter(zone: ZoneCapacity): number | null {
	const slots = zone.slots;
	if (slots === undefined || !(slots > 0)) return null;
	const u = (slots - zone.freeSlots + 1) / slots;
	return Math.min(1, Math.max(0, u));
}

/** How much of the price a request pays: REFERENCE_OUTPUT_TOKENS / expectedTokens, at most SIZE_FACTOR_MAX; 1 when unknown. */
export function sizeFactor(expectedTokens: number | undefined): number {
	if (expectedTokens === undefined || !(expectedTokens > 0)) return 1;
	return Math.min(SIZE_FACTOR_MAX, REFERENCE_OUTPUT_TOKENS / expectedTokens);
}

/** The scarcity price (gCO2eq/kWh) of `zone`'s next slot for a request of `expectedTokens` output tokens; 0 without slots. */
export function scarcityPrice(zone: ZoneCapacity, expectedTokens?: number): number {
	const u = utilisationAfter(zone);
	if (u === null) return 0;
	const shape = Math.expm1(SCARCITY_CONVEXITY * u) / Math.expm1(SCARCITY_CONVEXITY);
	return SCARCITY_PRICE_MAX * shape * sizeFactor(expectedTokens);
}
