/** Shared pieces of the KeyLimiterDO tests: fresh key ids, stubs, limits and permits. */
import { env } from "cloudflare:workers";
import type { AdmitResult, ResolvedLimits } from "../../durable-objects/key-limiter/contract.js";

let counter = 0;

/** A key id no other test uses, so each test gets a fresh object. */
export const newKeyId = (): string => `key_limiter_test_${++counter}_${crypto.randomUUID().slice(0, 8)}`;

/** The KeyLimiterDO stub of a key. */
export const limiter = (keyId: string) => env.KEY_LIMITER.get(env.KEY_LIMITER.idFromName(keyId));

/** Limits with every counter unlimited except those given. */
export const limits = (overrides: Partial<ResolvedLimits>): ResolvedLimits => ({
	ratePerMinute: 0,
	maxConcurrent: 0,
	dailyTokens: 0,
	...overrides,
});

/** A fixed instant (2026-11-23 12:00 UTC) for tests that pass `now`. */
export const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

/** The permit of an admission; throws on a refusal. */
export function permitOf(result: AdmitResult): string {
	if (!result.admitted) throw new Error(`expected an admission, got a refusal (${result.reason})`);
	return result.permitId;
}
