/**
 * The request-rate token bucket: it holds up to `ratePerMinute` requests and
 * refills evenly (ratePerMinute / 60 per second), so a key may burst up to a
 * minute's worth and then proceeds at the rate.
 */
import type { RateState } from "./contract.js";
import type { MirrorBucket } from "./mirror.js";

/** The bucket refilled up to `now`: a new object, full for a key never seen or after a rate change. */
export function refilled(bucket: MirrorBucket | null, rate: number, now: number): MirrorBucket {
	if (!bucket || bucket.ratePerMinute !== rate) return { tokens: rate, updatedAt: now, ratePerMinute: rate };
	const elapsed = Math.max(0, now - bucket.updatedAt);
	return { tokens: Math.min(rate, bucket.tokens + (elapsed * rate) / 60_000), updatedAt: now, ratePerMinute: rate };
}

/** What the x-ratelimit-*-requests headers report for `bucket`. */
export function rateState(bucket: MirrorBucket): RateState {
	const rate = bucket.ratePerMinute;
	return {
		limit: rate,
		remaining: Math.floor(bucket.tokens),
		resetMs: Math.ceil(((rate - bucket.tokens) * 60_000) / rate),
	};
}
