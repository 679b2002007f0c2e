/**
 * A request's own deadline for its job's first output: `x-arcnet-timeout-ms`
 * or the `arcnet.timeout_ms` body field (the header wins), from 1000 ms up to
 * the deployment's JOB_TIMEOUT_MAX_MS. It replaces the zone's queue-wait and
 * first-token limits for that job (job-deadlines.ts). Out of range: 400
 * naming the header or field, the value and the range.
 */
import { InvalidRequestError } from "../http/errors.js";
import { parseJobTimeoutMax } from "../protocol/job-timeout-max.js";
import type { ArcnetOptions } from "../protocol/openai.js";

/** Header name (lower case). */
export const TIMEOUT_HEADER = "x-arcnet-timeout-ms";

/** Smallest deadline a request may ask for (ms). */
export const MIN_TIMEOUT_MS = 1_000;

/**
 * The request's deadline in ms, or undefined when it names none (the zone's limits apply).
 * @example requestTimeoutMs(env, new Headers({ "x-arcnet-timeout-ms": "5000" }), undefined) // 5000
 */
export function requestTimeoutMs(
	env: { JOB_TIMEOUT_MAX_MS?: unknown },
	headers: Headers,
	options: ArcnetOptions | undefined,
): number | undefined {
	const header = headers.get(TIMEOUT_HEADER);
	if (header === null && options?.timeout_ms === undefined) return undefined;
	const max = parseJobTimeoutMax(env);
	const [where, raw] =
		header !== null ? [`header ${TIMEOUT_HEADER}`, header] : ["arcnet.timeout_ms", options?.timeout_ms];
	const value = typeof raw === "number" ? raw : /^\s*\d+\s*$/.test(raw ?? "") ? Number(raw) : Number.NaN;
	if (Number.isInteger(value) && value >= MIN_TIMEOUT_MS && value <= max) return value;
	throw new InvalidRequestError(
		`Invalid ${where}: got ${JSON.stringify(raw)}; allowed: an integer from ${MIN_TIMEOUT_MS} to ${max} (ms).`,
		header !== null ? TIMEOUT_HEADER : "arcnet.timeout_ms",
		"invalid_timeout",
	);
}
