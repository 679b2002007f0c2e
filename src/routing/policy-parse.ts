/**
 * Reads a routing policy from where a request or tenant names it, with zod,
 * so a bad value is refused with the field, what was received and what is
 * allowed. Syntax (header, body `arcnet.policy`, tenant default):
 *
 *   latency | carbon | balanced | weights:latency=0.3,carbon=0.7
 *
 * Weights are numbers from 0 to 1,000, at least one of them above 0; they are
 * relative (0.3/0.7 ranks like 3/7). A tenant default may also be the JSON
 * `{"latency":0.3,"carbon":0.7}`.
 */
import * as z from "zod";
import { quoteValue } from "../http/validation.js";
import type { RoutingPolicy } from "./policy.js";

/** What the error messages list as accepted. */
export const POLICY_SYNTAX = "latency, carbon, balanced or weights:latency=<0..1000>,carbon=<0..1000>";

const weightSchema = z.number().min(0).max(1_000);

/** Explicit weights: both in [0, 1000], not both 0. */
export const policyWeightsSchema = z
	.object({ latency: weightSchema, carbon: weightSchema })
	.strict()
	.refine((w) => w.latency + w.carbon > 0, { message: "latency and carbon weights cannot both be 0" });

const WEIGHTS_PATTERN = /^weights:(.*)$/;

/** Parses `latency=0.3,carbon=0.7` (either order, both keys required) into weights or an error text. */
function parseWeightPairs(text: string): { latency: number; carbon: number } | string {
	const pairs = new Map<string, number>();
	for (const part of text.split(",")) {
		const [key, raw, ...rest] = part.split("=").map((s) => s.trim());
		if (!key || raw === undefined || raw === "" || rest.length > 0) return `malformed pair ${quoteValue(part)}`;
		if (key !== "latency" && key !== "carbon") return `unknown weight ${quoteValue(key)}`;
		if (pairs.has(key)) return `weight ${quoteValue(key)} given twice`;
		const value = Number(raw);
		if (!Number.isFinite(value)) return `weight ${key}=${quoteValue(raw)} is not a number`;
		pairs.set(key, value);
	}
	const parsed = policyWeightsSchema.safeParse({ latency: pairs.get("latency"), carbon: pairs.get("carbon") });
	if (!parsed.success)
		return parsed.error.issues.map((i) => `${i.path.join(".") || "weights"}: ${i.message}`).join("; ");
	return parsed.data;
}

/** A policy string as zod sees it: trimmed, case-insensitive preset names, or the weights syntax. */
export const policyStringSchema = z
	.string()
	.max(100, { message: "is longer than 100 characters" })
	.transform((raw, ctx): RoutingPolicy => {
		const text = raw.trim();
		const lower = text.toLowerCase();
		if (lower === "latency" || lower === "carbon" || lower === "balanced") return { name: lower };
		const weights = WEIGHTS_PATTERN.exec(text);
		if (weights) {
			const result = parseWeightPairs(weights[1] ?? "");
			if (typeof result !== "string") return { name: "weights", ...result };
			ctx.addIssue({ code: "custom", message: `${result}; allowed: ${POLICY_SYNTAX}` });
			return z.NEVER;
		}
		ctx.addIssue({ code: "custom", message: `allowed: ${POLICY_SYNTAX}` });
		return z.NEVER;
	});

/** The outcome of a parse: the policy, or a message naming the field, the value and what is allowed. */
export type PolicyParse = { ok: true; policy: RoutingPolicy } | { ok: false; message: string };

/** Parses a policy string found in `field` (e.g. "header x-arcnet-policy", "arcnet.policy"). */
export function parsePolicy(value: string, field: string): PolicyParse {
	const parsed = policyStringSchema.safeParse(value);
	if (parsed.success) return { ok: true, policy: parsed.data };
	const why = parsed.error.issues.map((i) => i.message).join("; ");
	return { ok: false, message: `Invalid ${field}: got ${quoteValue(value)}; ${why}.` };
}

/**
 * Parses a tenant's stored default: the string syntax or weights JSON.
 * Returns null (and the caller falls back to balanced) for an unusable value,
 * since a bad row must not fail every request of the tenant.
 */
export function parseTenantPolicy(stored: string | null | undefined): RoutingPolicy | null {
	if (stored === null || stored === undefined || stored.trim() === "") return null;
	const text = stored.trim();
	if (text.startsWith("{")) {
		try {
			const weights = policyWeightsSchema.safeParse(JSON.parse(text));
			return weights.success ? { name: "weights", ...weights.data } : null;
		} catch {
			return null;
		}
	}
	const parsed = parsePolicy(text, "tenants.default_policy");
	return parsed.ok ? parsed.policy : null;
}
