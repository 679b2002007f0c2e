/**
 * Errors of the carbon adapters. A provider failure must say which provider,
 * which zone and what went wrong (timeout, HTTP status, malformed field) so
 * that an operator reading a stale-signal warning knows what to fix.
 */
import type { z } from "zod";
import { describeValue, valueAt } from "../protocol/zod-issues.js";
import type { CarbonSource } from "./signal.js";

/** Why a provider call failed. */
export type CarbonFailureReason =
	| "unsupported-zone"
	| "timeout"
	| "aborted"
	| "network"
	| "auth"
	| "http-status"
	| "malformed";

/** The only error a `CarbonProvider` rejects with; the original error stays in `cause`. */
export class CarbonProviderError extends Error {
	override readonly name = "CarbonProviderError";
	constructor(
		readonly source: CarbonSource,
		readonly zone: string,
		readonly reason: CarbonFailureReason,
		detail: string,
		options?: { cause?: unknown; status?: number },
	) {
		super(`${source} (${zone}): ${detail}`, options?.cause === undefined ? undefined : { cause: options.cause });
		this.status = options?.status;
	}
	/** HTTP status when `reason` is `http-status` or `auth`. */
	readonly status: number | undefined;
}

/** Thrown for an invalid adapter config; names the field, the value and what is allowed. */
export class CarbonConfigError extends Error {
	override readonly name = "CarbonConfigError";
}

function formatPath(path: readonly PropertyKey[], root: string): string {
	let out = root;
	for (const key of path) out += typeof key === "number" ? `[${key}]` : `${out ? "." : ""}${String(key)}`;
	return out || "(root)";
}

function describeAllowed(issue: z.core.$ZodIssue): string {
	switch (issue.code) {
		case "invalid_type":
			return issue.expected === "int" ? "an integer" : issue.expected;
		case "invalid_value":
			return issue.values.map((v) => JSON.stringify(v)).join(" or ");
		case "too_small":
			return issue.origin === "array" ? `at least ${issue.minimum} item(s)` : `a value >= ${issue.minimum}`;
		case "too_big":
			return issue.origin === "array" ? `at most ${issue.maximum} item(s)` : `a value <= ${issue.maximum}`;
		default:
			return issue.message;
	}
}

/** Renders zod issues as `meta.units: expected "lbs_co2_per_mwh", got "percentile" (string)`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown, root = ""): string {
	return issues
		.slice(0, 3)
		.map(
			(i) =>
				`${formatPath(i.path, root)}: expected ${describeAllowed(i)}, got ${describeValue(valueAt(input, i.path))}`,
		)
		.join("; ");
}

/** Validates an adapter config, or throws a `CarbonConfigError` naming the fields at fault. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, label: string): z.output<S> {
	const result = schema.safeParse(input);
	if (result.success) return result.data;
	throw new CarbonConfigError(`${label} config: ${describeIssues(result.error.issues, input)}`);
}
