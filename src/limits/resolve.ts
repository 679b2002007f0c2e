/**
 * A key's effective limits: its own (or its tenant's, resolved by the API-key
 * middleware) where set, else the deployment defaults of the
 * DEFAULT_RATE_LIMIT_PER_MINUTE, DEFAULT_MAX_CONCURRENT and
 * DEFAULT_DAILY_TOKEN_QUOTA vars. 0 means unlimited for that counter.
 */
import * as z from "zod";
import type { ResolvedLimits } from "../../durable-objects/key-limiter/contract.js";
import type { KeyLimits } from "../auth/client-identity.js";

const countVar = (name: string) =>
	z.string().regex(/^\d+$/, `${name}: expected a whole number as a string ("0" = unlimited)`).transform(Number);

const defaultsSchema = z.object({
	DEFAULT_RATE_LIMIT_PER_MINUTE: countVar("DEFAULT_RATE_LIMIT_PER_MINUTE"),
	DEFAULT_MAX_CONCURRENT: countVar("DEFAULT_MAX_CONCURRENT"),
	DEFAULT_DAILY_TOKEN_QUOTA: countVar("DEFAULT_DAILY_TOKEN_QUOTA"),
});

type DefaultsEnv = Pick<Env, keyof z.input<typeof defaultsSchema>>;

/** The defaults parsed per env object: vars do not change while an isolate lives, and every request asks. */
const parsedDefaults = new WeakMap<DefaultsEnv, ResolvedLimits>();

/** The deployment defaults from the Worker's vars; throws naming the var that is malformed. */
export function defaultLimits(env: DefaultsEnv): ResolvedLimits {
	const known = parsedDefaults.get(env);
	if (known) return known;
	const limits = parseDefaults(env);
	parsedDefaults.set(env, limits);
	return limits;
}

function parseDefaults(env: DefaultsEnv): ResolvedLimits {
	const parsed = defaultsSchema.safeParse(env);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const name = String(issue?.path[0] ?? "?");
		throw new Error(`${issue?.message ?? name}, got ${JSON.stringify((env as Record<string, unknown>)[name])}`);
	}
	return {
		ratePerMinute: parsed.data.DEFAULT_RATE_LIMIT_PER_MINUTE,
		maxConcurrent: parsed.data.DEFAULT_MAX_CONCURRENT,
		dailyTokens: parsed.data.DEFAULT_DAILY_TOKEN_QUOTA,
	};
}

/** The key's limits with every null replaced by the deployment default. */
export function resolveLimits(limits: KeyLimits, defaults: ResolvedLimits): ResolvedLimits {
	return {
		ratePerMinute: limits.ratePerMinute ?? defaults.ratePerMinute,
		maxConcurrent: limits.maxConcurrent ?? defaults.maxConcurrent,
		dailyTokens: limits.dailyTokens ?? defaults.dailyTokens,
	};
}

/** The limiter object's name for a key: its id, or "dev" for the bootstrap dev key. */
export function limiterKeyId(keyId: string | null): string {
	return keyId ?? "dev";
}
