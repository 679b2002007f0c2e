/**
 * Per-key limit defaults for local edges (npm run dev, the e2e tests and the
 * benches): generous enough never to throttle them, yet non-zero so that the
 * limiter still runs on every request and the benches measure its cost.
 * A test of the limits passes its own values through the harness's `vars`.
 */
export const LOCAL_LIMIT_VARS: Readonly<Record<string, string>> = {
	DEFAULT_RATE_LIMIT_PER_MINUTE: "1000000",
	DEFAULT_MAX_CONCURRENT: "10000",
	DEFAULT_DAILY_TOKEN_QUOTA: "1000000000000",
};
