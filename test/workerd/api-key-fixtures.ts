/**
 * Helpers for the tenant and API-key tests: create tenants and keys through
 * the admin API, and call the client API with a given key.
 */
import { ADMIN_KEY, call } from "./edge-fixtures.js";

/** A created key as POST /admin/v1/keys answers it. */
export interface CreatedKey {
	id: string;
	key: string;
	prefix: string;
	tenantId: string;
	scopes: string[];
	status: string;
	[field: string]: unknown;
}

/** Calls the admin API with the bootstrap admin key (or `bearer`). */
export function admin(method: string, path: string, body?: unknown, bearer = ADMIN_KEY): Promise<Response> {
	return call(method, path, { bearer, ...(body !== undefined ? { body } : {}) });
}

/** Creates tenant `id` (201 expected) with optional limits. */
export async function createTenant(id: string, extra: Record<string, unknown> = {}): Promise<void> {
	const res = await admin("POST", "/admin/v1/tenants", { id, name: `Tenant ${id}`, ...extra });
	if (res.status !== 201) throw new Error(`create tenant: ${res.status} ${await res.text()}`);
}

/** Creates a key for `tenantId` with `scopes` (default inference) and any other fields. */
export async function createKey(tenantId: string, fields: Record<string, unknown> = {}): Promise<CreatedKey> {
	const res = await admin("POST", "/admin/v1/keys", { tenantId, name: "test key", scopes: ["inference"], ...fields });
	if (res.status !== 201) throw new Error(`create key: ${res.status} ${await res.text()}`);
	return (await res.json()) as CreatedKey;
}

/** GET /v1/models with `key`. */
export function models(key: string): Promise<Response> {
	return call("GET", "/v1/models", { bearer: key });
}
