/**
 * KeyLimiterDO: one per API key id ("dev" for the bootstrap dev key), holding
 * the key's exact request-rate, concurrency and daily-token counters in
 * SQLite (docs/limits.md, ADR 0007). A thin shell: it validates each RPC
 * input with zod, checks the object serves the key it was asked about,
 * delegates to ./limiter/counters.ts and keeps its one alarm at the earliest
 * permit expiry so that a Worker that never calls finish cannot hold a slot.
 */
import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import { parseRpcInput } from "./geozone/rpc-input.js";
import {
	type AdmitResult,
	admitInputSchema,
	type FinishResult,
	finishInputSchema,
	type KeyUsage,
	usageInputSchema,
} from "./limiter/contract.js";
import { admit, finish, nextExpiry, PERMIT_TTL_MS, sweepExpiredPermits, usage } from "./limiter/counters.js";
import { ensureLimiterSchema, readLimiterMeta, writeLimiterMeta } from "./limiter/schema.js";

export class KeyLimiterDO extends DurableObject<Env> {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		ctx.blockConcurrencyWhile(async () => {
			ensureLimiterSchema(ctx.storage.sql);
		});
	}

	/** Admits a request (takes a rate token, a concurrency permit and a token reservation) or says which limit refuses it. */
	async admit(input: z.input<typeof admitInputSchema>): Promise<AdmitResult> {
		const parsed = this.#parse(admitInputSchema, input, "admit");
		const result = admit(this.ctx.storage.sql, {
			limits: parsed.limits,
			estimatedTokens: parsed.estimatedTokens,
			permitTtlMs: parsed.permitTtlMs ?? PERMIT_TTL_MS,
			now: parsed.now ?? Date.now(),
			permitId: crypto.randomUUID(),
		});
		if (result.admitted) await this.#replan();
		return result;
	}

	/** Releases the permit and settles the day's tokens to the real usage; idempotent (a second call releases nothing). */
	async finish(input: z.input<typeof finishInputSchema>): Promise<FinishResult> {
		const parsed = this.#parse(finishInputSchema, input, "finish");
		const result = finish(this.ctx.storage.sql, parsed.permitId, parsed.usedTokens);
		await this.#replan();
		return result;
	}

	/** The key's counters now: requests available, in flight, tokens used and reserved today (UTC). */
	async usage(input: z.input<typeof usageInputSchema>): Promise<KeyUsage> {
		const parsed = this.#parse(usageInputSchema, input, "usage");
		return usage(this.ctx.storage.sql, parsed.keyId, parsed.now ?? Date.now());
	}

	/** Sweeps expired permits (their reservations stay charged), then re-plans. */
	override async alarm(): Promise<void> {
		sweepExpiredPermits(this.ctx.storage.sql, Date.now());
		await this.#replan();
	}

	#parse<S extends z.ZodType>(schema: S, input: unknown, method: string): z.output<S> {
		const parsed = parseRpcInput(schema, input, method);
		const keyId = (parsed as { keyId: string }).keyId;
		const sql = this.ctx.storage.sql;
		const known = readLimiterMeta(sql, "key_id");
		if (known === null) writeLimiterMeta(sql, "key_id", keyId);
		else if (known !== keyId) {
			throw new Error(`${method}: keyId: this object serves ${known}, got ${JSON.stringify(keyId)} (string)`);
		}
		return parsed;
	}

	async #replan(): Promise<void> {
		const at = nextExpiry(this.ctx.storage.sql);
		if (at === null) await this.ctx.storage.deleteAlarm();
		else await this.ctx.storage.setAlarm(at);
	}
}
