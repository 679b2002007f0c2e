/**
 * Field schemas shared by the key and tenant admin endpoints: the three
 * limits (a key's own override its tenant's; null means "inherit") and the
 * model and region lists a key may be restricted to.
 */
import * as z from "zod";

/** Requests per minute: an integer from 1 to 1,000,000. */
export const rateLimitPerMinuteSchema = z.number().int().min(1).max(1_000_000);
/** Requests in flight at once: an integer from 1 to 10,000. */
export const maxConcurrentSchema = z.number().int().min(1).max(10_000);
/** Tokens (prompt + completion) per UTC day: an integer from 1 to 10^12. */
export const dailyTokenQuotaSchema = z.number().int().min(1).max(1_000_000_000_000);

/** The three limit fields, each optional and nullable (null: inherit). */
export const limitFields = {
	rateLimitPerMinute: rateLimitPerMinuteSchema.nullable().optional(),
	maxConcurrent: maxConcurrentSchema.nullable().optional(),
	dailyTokenQuota: dailyTokenQuotaSchema.nullable().optional(),
};

/** A model id as clients send it: 1 to 200 characters. */
export const modelIdSchema = z.string().min(1).max(200);

/** A region tag as zones carry them: lowercase, 1 to 20 characters (e.g. eu, us-west). */
export const regionTagSchema = z
	.string()
	.regex(/^[a-z0-9][a-z0-9-]{0,19}$/, "a lowercase region tag of 1 to 20 characters, e.g. eu or us-west");
