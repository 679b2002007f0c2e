/**
 * Who is calling the client API: the tenant, the key and what the key may
 * do. Set on the request by the API-key middleware; routes and limits read it.
 */

/** What a key may do: call inference endpoints, use the async jobs API, or administer. */
export type Scope = "inference" | "jobs" | "admin";

export const SCOPES: readonly Scope[] = ["inference", "jobs", "admin"];

/** Per-key limits after inheritance (key, then tenant); null means the deployment default applies. */
export interface KeyLimits {
	ratePerMinute: number | null;
	maxConcurrent: number | null;
	dailyTokens: number | null;
}

export interface ClientIdentity {
	tenantId: string;
	/** api_keys.id; null for the bootstrap dev key (ARCNET_DEV_API_KEY). */
	keyId: string | null;
	/** The key's public prefix, safe to log; "dev" for the dev key. */
	keyPrefix: string;
	scopes: readonly Scope[];
	/** Models the key may use; null means any. */
	allowedModels: readonly string[] | null;
	/** Region tags the key's jobs may run in; null means any. */
	allowedRegions: readonly string[] | null;
	limits: KeyLimits;
}
