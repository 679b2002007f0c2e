/**
 * KeyLimiterDO: one per API key id ("dev" for the bootstrap dev key), holding
 * the key's exact request-rate, concurrency and daily-token counters in
 * SQLite (docs/limits.md, ADR 0007), and answering from a write-through
 * mirror of them in memory (./key-limiter/store.ts). A thin shell: it validates
 * each RPC input with zod, checks the object serves the key it was asked
 * about, delegates to ./key-limiter/counters.ts and keeps its one alarm at the
 * earliest permit expiry so that a Worker that never calls finish cannot
 * hold a slot.
 */
import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import { AlarmSlot } from "./alarm-slot.js";
import {
	type AdmitResult,
	admitInputSchema,
	admitTokensInputSchema,
	type FinishResult,
	finishInputSchema,
	type KeyUsage,
	type RefusalCounts,
	refusalsInputSchema,
	usageInputSchema,
} from "./key-limiter/contract.js";
import {
	admit,
	admitTokens,
	finish,
	PERMIT_TTL_MS,
	QUOTA_PERMIT_PREFIX,
	sweepExpiredPermits,
	usage,
} from "./key-limiter/counters.js";
import { SETTLE_WRITE_DELAY_MS, writeKeyId, writeSettled } from "./key-limiter/mirror-writes.js";
import { countRefusal, readRefusals } from "./key-limiter/refusal-counts.js";
import { ensureLimiterSchema } from "./key-limiter/schema.js";
import { LimiterStore } from "./key-limiter/store.js";
import { parseRpcInput } from "./rpc-input.js";

export class KeyLimiterDO extends DurableObject<Env> {
	/**
	 * The counters: SQLite and its mirror. An instance field, which RPC does
	 * not expose; tests read the mirror through runInDurableObject.
	 */
	readonly store: LimiterStore;
	readonly #alarm: AlarmSlot;
	/** Armed while finishes wait to be written (one timer for all of them). */
	#settleTimer: ReturnType<typeof setTimeout> | null = null;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#alarm = new AlarmSlot(ctx.storage);
		this.store = new LimiterStore(ctx.storage.sql);
		ctx.blockConcurrencyWhile(async () => {
			ensureLimiterSchema(ctx.storage.sql);
			this.store.load();
		});
	}

	/** Admits a request (takes a rate token, a concurrency permit and a token reservation) or says which limit refuses it. */
	async admit(input: z.input<typeof admitInputSchema>): Promise<AdmitResult> {
		const parsed = this.#parse(admitInputSchema, input, "admit");
		const result = this.store.change((sql, mirror) =>
			admit(sql, mirror, {
				limits: parsed.limits,
				estimatedTokens: parsed.estimatedTokens,
				permitTtlMs: parsed.permitTtlMs ?? PERMIT_TTL_MS,
				now: parsed.now ?? Date.now(),
				permitId: crypto.randomUUID(),
			}),
		);
		return this.#answered(result, true);
	}

	/**
	 * Admits deferred work against the daily token quota only (no rate token, no concurrency slot). A refusal
	 * is not counted with the requests' refusals: the work waits for the next tick or day, nobody was refused.
	 */
	async admitTokens(input: z.input<typeof admitTokensInputSchema>): Promise<AdmitResult> {
		const parsed = this.#parse(admitTokensInputSchema, input, "admitTokens");
		const result = this.store.change((sql, mirror) =>
			admitTokens(sql, mirror, {
				dailyTokens: parsed.dailyTokens,
				estimatedTokens: parsed.estimatedTokens,
				permitTtlMs: parsed.permitTtlMs ?? 86_400_000,
				now: parsed.now ?? Date.now(),
				permitId: `${QUOTA_PERMIT_PREFIX}${crypto.randomUUID()}`,
			}),
		);
		return this.#answered(result, false);
	}

	/** Re-plans the alarm after an admission, or counts a refusal (only requests' refusals are counted). */
	async #answered(result: AdmitResult, countRefused: boolean): Promise<AdmitResult> {
		if (result.admitted) await this.#replan();
		else if (countRefused) countRefusal(this.ctx.storage.sql, result.reason);
		return result;
	}

	/**
	 * Releases the permit and settles the day's tokens to the real usage; idempotent (a second call releases nothing).
	 * The release is written to SQLite within SETTLE_WRITE_DELAY_MS, with the other finishes of that time, so the
	 * answer waits on no commit and the writes of many finishes share two statements; a crash in between leaves the
	 * permit charged until it expires (too much, never too little).
	 * The alarm stays where it is: firing with nothing expired costs one sweep, moving it costs a storage call per request.
	 */
	async finish(input: z.input<typeof finishInputSchema>): Promise<FinishResult> {
		const parsed = this.#parse(finishInputSchema, input, "finish");
		const result = this.store.change((_sql, mirror) => finish(mirror, parsed.permitId, parsed.usedTokens));
		if (result.released && parsed.refused) countRefusal(this.ctx.storage.sql, parsed.refused);
		if (result.released && this.#settleTimer === null) {
			// One timer writes every finish of the next second in one batch; the object stays up for it.
			this.#settleTimer = setTimeout(() => {
				this.#settleTimer = null;
				this.store.change((sql, mirror) => writeSettled(sql, mirror));
			}, SETTLE_WRITE_DELAY_MS);
		}
		return result;
	}

	/** The key's counters now: requests available, in flight, tokens used and reserved today (UTC). */
	async usage(input: z.input<typeof usageInputSchema>): Promise<KeyUsage> {
		const parsed = this.#parse(usageInputSchema, input, "usage");
		return this.store.change((sql, mirror) => usage(sql, mirror, parsed.keyId, parsed.now ?? Date.now()));
	}

	/** Requests each limit refused so far (GET /metrics sums them per tenant). */
	async refusals(input: z.input<typeof refusalsInputSchema>): Promise<RefusalCounts> {
		this.#parse(refusalsInputSchema, input, "refusals");
		return readRefusals(this.ctx.storage.sql);
	}

	/** Sweeps expired permits (their reservations stay charged), then re-plans. */
	override async alarm(): Promise<void> {
		this.#alarm.fired();
		try {
			this.store.change((sql, mirror) => sweepExpiredPermits(sql, mirror, Date.now()));
			await this.#replan();
		} catch (error) {
			this.#alarm.unknown();
			throw error;
		}
	}

	#parse<S extends z.ZodType>(schema: S, input: unknown, method: string): z.output<S> {
		const parsed = parseRpcInput(schema, input, method);
		const keyId = (parsed as { keyId: string }).keyId;
		const known = this.store.mirror.keyId;
		if (keyId === known) return parsed;
		if (known !== null) {
			throw new Error(`${method}: keyId: this object serves ${known}, got ${JSON.stringify(keyId)} (string)`);
		}
		this.store.change((sql, mirror) => writeKeyId(sql, mirror, keyId));
		return parsed;
	}

	/** Keeps the alarm at the earliest permit expiry the mirror knows of (a lower bound: an early alarm sweeps nothing). */
	async #replan(): Promise<void> {
		await this.#alarm.set(this.store.mirror.earliestExpiry);
	}
}
