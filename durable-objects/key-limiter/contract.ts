/**
 * The KeyLimiterDO's RPC contract: zod schemas of every input (validated in
 * the object) and the result types the Worker reads. One object per API key
 * id; the bootstrap dev key uses the id "dev".
 */
import * as z from "zod";

/** An API key id (api_keys.id) or "dev" for ARCNET_DEV_API_KEY. */
export const limiterKeyIdSchema = z.string().min(1).max(128);

/** Resolved limits of one key: a positive number, or 0 for unlimited. */
export const resolvedLimitsSchema = z.object({
	/** Requests per minute (token bucket: burst up to this, refilled evenly over a minute). */
	ratePerMinute: z.number().int().min(0).max(1_000_000),
	/** Requests in flight at once. */
	maxConcurrent: z.number().int().min(0).max(100_000),
	/** Tokens (prompt + completion) per UTC day. */
	dailyTokens: z.number().int().min(0).max(1_000_000_000_000),
});
export type ResolvedLimits = z.infer<typeof resolvedLimitsSchema>;

/** Epoch ms; tests pass it to move the clock, the Worker leaves it out. */
const nowSchema = z.number().int().min(0).optional();

export const admitInputSchema = z.object({
	keyId: limiterKeyIdSchema,
	limits: resolvedLimitsSchema,
	/** Tokens reserved against the daily quota until finish settles them. */
	estimatedTokens: z.number().int().min(0).max(100_000_000),
	/** How long the permit holds a concurrency slot if finish never comes; default PERMIT_TTL_MS. */
	permitTtlMs: z.number().int().min(1_000).max(86_400_000).optional(),
	now: nowSchema,
});

/** Deferred work (a batch request): reserves tokens against the daily quota only. */
export const admitTokensInputSchema = z.object({
	keyId: limiterKeyIdSchema,
	dailyTokens: resolvedLimitsSchema.shape.dailyTokens,
	estimatedTokens: z.number().int().min(0).max(100_000_000),
	/** How long the reservation holds if finish never comes (then it stays charged); default one day. */
	permitTtlMs: z.number().int().min(1_000).max(86_400_000).optional(),
	now: nowSchema,
});

/** Why a request the limits admitted was still refused: no zone could take it, every queue was full, or its deadline passed. */
export const capacityReasons = ["no_capacity", "queue_full", "timeout"] as const;
export type CapacityReason = (typeof capacityReasons)[number];

export const finishInputSchema = z.object({
	keyId: limiterKeyIdSchema,
	permitId: z.string().min(1).max(64),
	/** The request's real tokens; null keeps the reservation charged (usage unknown). */
	usedTokens: z.number().int().min(0).max(100_000_000).nullable(),
	/** The request was answered with this capacity refusal (counted for GET /metrics). */
	refused: z.enum(capacityReasons).optional(),
	now: nowSchema,
});

export const usageInputSchema = z.object({ keyId: limiterKeyIdSchema, now: nowSchema });

/** The request-rate state reported on every admission (OpenAI's x-ratelimit-*-requests headers). */
export interface RateState {
	limit: number;
	remaining: number;
	/** Ms until the bucket is full again. */
	resetMs: number;
}

/** Which limit refused a request. */
export type LimitReason = "rate" | "concurrency" | "daily_tokens";

/** Requests of the key refused since its first request, by limit or by capacity (never falls). */
export type RefusalCounts = Record<LimitReason | CapacityReason, number>;

export const refusalsInputSchema = z.object({ keyId: limiterKeyIdSchema });

export type AdmitResult =
	| { admitted: true; permitId: string; rate: RateState | null }
	| {
			admitted: false;
			reason: LimitReason;
			/** The limit's value (requests/min, requests in flight, tokens/day). */
			limit: number;
			retryAfterS: number;
			/** Epoch ms when the limit resets (next token, next UTC day; for concurrency: a guess of now + retryAfter). */
			resetAt: number;
			rate: RateState | null;
	  };

export interface FinishResult {
	/** False when the permit was unknown (already finished, or swept after expiry: its reservation stayed charged). */
	released: boolean;
	chargedTokens: number;
}

/** The counters of one key now. */
export interface KeyUsage {
	keyId: string;
	/** UTC day, YYYY-MM-DD. */
	day: string;
	limits: ResolvedLimits | null;
	requestsAvailable: number | null;
	inFlight: number;
	tokensUsedToday: number;
	tokensReservedToday: number;
}
