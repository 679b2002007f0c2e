/**
 * What an operator may send to create an API key, and how a key is shown.
 * The hash never leaves D1; the key itself is shown once, by the create call.
 */
import * as z from "zod";
import type { ApiKeyListing } from "../db/api-keys.js";
import { scopeSchema } from "../db/api-keys.js";
import { limitFields, modelIdSchema, regionTagSchema } from "./limit-fields.js";
import { tenantIdSchema } from "./tenant-schema.js";

/** API key ids: `key_` + 24 lowercase alphanumerics. */
export const apiKeyIdSchema = z.string().regex(/^key_[a-z0-9]{24}$/, "a key id like key_ followed by 24 characters");

/** POST /admin/v1/keys body. */
export const createKeySchema = z
	.object({
		tenantId: tenantIdSchema,
		name: z.string().trim().min(1).max(100),
		scopes: z.array(scopeSchema).min(1).max(3),
		allowedModels: z.array(modelIdSchema).min(1).max(100).optional(),
		allowedRegions: z.array(regionTagSchema).min(1).max(20).optional(),
		...limitFields,
		/** Epoch ms; must be in the future. Absent: the key never expires. */
		expiresAt: z.number().int().positive().optional(),
	})
	.strict();
export type CreateKey = z.output<typeof createKeySchema>;

/** GET /admin/v1/keys query. */
export const listKeysQuerySchema = z.object({ tenantId: tenantIdSchema.optional() });

/** active, revoked or expired at `now`. */
export function keyStatus(key: ApiKeyListing, now: number): "active" | "revoked" | "expired" {
	if (key.revokedAt !== null && key.revokedAt <= now) return "revoked";
	if (key.expiresAt !== null && key.expiresAt <= now) return "expired";
	return "active";
}

/** A key as the admin API shows it: the listing plus its status. */
export function presentKey(key: ApiKeyListing, now: number) {
	return { ...key, status: keyStatus(key, now) };
}
