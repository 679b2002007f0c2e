/**
 * Batch requests count against their key's daily token quota (docs/limits.md),
 * not its request rate or concurrency: a batch is deferrable. Before a request
 * is dispatched it reserves its estimated tokens in the key's KeyLimiterDO
 * (admitTokens); when its job ends the reservation is settled to the job's real
 * usage. A request the day's quota cannot take now stays pending for a later
 * tick (the next UTC day at the latest, within its window); one that alone
 * exceeds the whole quota can never run and fails at once.
 */
import type { PendingRequest } from "../../durable-objects/batches/contract.js";
import { estimateRequestTokens } from "../limits/estimate.js";
import { keyLimiterStub } from "../limits/middleware.js";
import { type CountedUsage, chargedTokens } from "../limits/usage.js";

/** What the quota says of one pending request. */
export type QuotaDecision =
	/** Run it; `permitId` is its reservation (null: no quota, or the limiter failed open). */
	| { run: true; permitId: string | null }
	/** Leave it pending: today's quota cannot take it now. */
	| { run: false; never: null }
	/** Fail it: it alone exceeds the whole daily quota, on any day. */
	| { run: false; never: string };

/** Reserves the request's estimated tokens against its key's daily quota. */
export async function reserveTokens(env: Env, p: PendingRequest): Promise<QuotaDecision> {
	if (p.quota === null || p.quota.dailyTokens === 0) return { run: true, permitId: null };
	const { keyId, dailyTokens } = p.quota;
	const estimate = estimateRequestTokens(p.requestJson, p.endpoint);
	if (estimate.total > dailyTokens) {
		const fix =
			p.endpoint === "embeddings"
				? "shorten its input"
				: `set max_tokens to at most ${dailyTokens - estimate.promptTokens}`;
		return {
			run: false,
			never: `The request reserves ${estimate.total} tokens (prompt estimate ${estimate.promptTokens}, completion ${estimate.completionTokens}), more than the API key's daily token quota of ${dailyTokens}; ${fix}, or ask an operator to raise the key's dailyTokenQuota.`,
		};
	}
	try {
		const result = await keyLimiterStub(env, keyId).admitTokens({
			keyId,
			dailyTokens,
			estimatedTokens: estimate.total,
		});
		return result.admitted ? { run: true, permitId: result.permitId } : { run: false, never: null };
	} catch (error) {
		// Fail open, as requests do: limits are abuse protection, and the failure is logged.
		console.error(`limits: batch ${p.batchId} line ${p.line}: token reservation failed; running it uncounted`, error);
		return { run: true, permitId: null };
	}
}

/** Settles a reservation to the tokens used (null: keep the reservation charged; 0: release it). */
export async function settleTokens(
	env: Env,
	permit: { keyId: string; permitId: string } | null,
	usedTokens: number | null,
): Promise<void> {
	if (permit === null) return;
	await keyLimiterStub(env, permit.keyId)
		.finish({ keyId: permit.keyId, permitId: permit.permitId, usedTokens })
		.catch((error: unknown) => console.error(`limits: settling batch permit ${permit.permitId} failed`, error));
}

/** The tokens a finished job used, or null when it reported none. */
export function usedTokens(usage: CountedUsage | null): number | null {
	return usage === null ? null : chargedTokens(usage);
}
