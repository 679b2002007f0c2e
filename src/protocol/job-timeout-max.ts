/**
 * JOB_TIMEOUT_MAX_MS, the largest deadline a request may set for itself
 * (x-arcnet-timeout-ms, arcnet.timeout_ms): the Worker checks requests
 * against it and the zone parses it with its other vars.
 */

/** Default, smallest and largest value of JOB_TIMEOUT_MAX_MS (ms). */
export const JOB_TIMEOUT_MAX_SPEC = { fallback: 600_000, min: 1_000, max: 3_600_000 } as const;

/**
 * The deployment's JOB_TIMEOUT_MAX_MS; missing or empty takes the default, a bad value throws naming the var.
 * @example parseJobTimeoutMax({ JOB_TIMEOUT_MAX_MS: "30000" }) // 30000
 */
export function parseJobTimeoutMax(vars: { JOB_TIMEOUT_MAX_MS?: unknown }): number {
	const raw = vars.JOB_TIMEOUT_MAX_MS;
	if (raw === undefined || raw === "") return JOB_TIMEOUT_MAX_SPEC.fallback;
	const value =
		typeof raw === "number" ? raw : typeof raw === "string" && /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
	const { min, max } = JOB_TIMEOUT_MAX_SPEC;
	if (Number.isInteger(value) && value >= min && value <= max) return value;
	throw new Error(
		`JOB_TIMEOUT_MAX_MS: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)} (${typeof raw})`,
	);
}
