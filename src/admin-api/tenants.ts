/**
 * GET /admin/v1/tenants and PATCH /admin/v1/tenants/:id: lets an operator set
 * the routing policy a tenant's requests get when they name none. The value
 * is checked with the same parser the router uses, then stored in canonical
 * form. Routers cache a tenant's settings per isolate for TENANT_TTL_MS
 * (30 s), so a change takes effect everywhere within that.
 */
import type { Context } from "hono";
import { z } from "zod";
import { listTenants, setTenantDefaultPolicy } from "../db/admin-tenants.js";
import { database } from "../db/client.js";
import { tenantDefaultPolicy } from "../db/tenants.js";
import type { AppEnv } from "../http/app-env.js";
import { InvalidRequestError, NotFoundError } from "../http/errors.js";
import { jsonBody, validate } from "../http/validation.js";
import type { RoutingPolicy } from "../routing/policy.js";
import { parsePolicy } from "../routing/policy-parse.js";

/** Tenant ids: 1 to 64 letters, digits, `_` or `-` (e.g. tenant_dev). */
export const tenantIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "a tenant id like tenant_dev");

/** PATCH body: the policy text (≤ 100 chars), or null to fall back to balanced. */
export const patchTenantSchema = z.object({ defaultPolicy: z.string().max(100).nullable() }).strict();

/** The stored text of a policy: the preset name, or weights in the header syntax. */
function canonical(policy: RoutingPolicy): string {
	return policy.name === "weights" ? `weights:latency=${policy.latency},carbon=${policy.carbon}` : policy.name;
}

/** Lists tenants: id, name, defaultPolicy (null means balanced). */
export async function listTenantsHandler(c: Context<AppEnv>): Promise<Response> {
	return c.json({ data: await listTenants(database(c.env)) });
}

/** Sets or clears a tenant's default policy; 200 with the tenant, 400 for a bad policy, 404 when unknown. */
export async function patchTenantHandler(c: Context<AppEnv>): Promise<Response> {
	const id = validate(tenantIdSchema, c.req.param("id"), "id");
	const body = await jsonBody(c, patchTenantSchema);
	let stored: string | null = null;
	if (body.defaultPolicy !== null) {
		const parsed = parsePolicy(body.defaultPolicy, "defaultPolicy");
		if (!parsed.ok) throw new InvalidRequestError(parsed.message, "defaultPolicy", "invalid_policy");
		stored = canonical(parsed.policy);
	}
	const db = database(c.env);
	const tenant = await setTenantDefaultPolicy(db, id, stored);
	if (!tenant) throw new NotFoundError(`No tenant with id ${JSON.stringify(id)}.`, "tenant_not_found");
	// This isolate re-reads at once; the others within TENANT_TTL_MS.
	await tenantDefaultPolicy(db, id, { fresh: true });
	return c.json(tenant);
}
