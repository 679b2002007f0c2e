/**
 * GET|POST /admin/v1/tenants and PATCH /admin/v1/tenants/:id: tenants own
 * API keys and jobs. An operator sets a tenant's default routing policy
 * (checked with the router's own parser, stored in canonical form), its
 * limits (inherited by keys that set none) and whether it is disabled (its
 * keys are refused). Other isolates see a policy change within TENANT_TTL_MS
 * (30 s) and a limit or disable change within API_KEY_TTL_MS (5 s); the
 * isolate that served the call re-reads at once.
 */
import type { Context } from "hono";
import { forgetTenant } from "../auth/api-key-cache.js";
import { randomId } from "../auth/crypto.js";
import { insertTenant, listTenants, type TenantChanges, updateTenant } from "../db/admin-tenants.js";
import { database } from "../db/client.js";
import { tenantDefaultPolicy } from "../db/tenants.js";
import type { AppEnv } from "../http/app-env.js";
import { ConflictError, InvalidRequestError, NotFoundError } from "../http/errors.js";
import { jsonBody, validate } from "../http/validation.js";
import type { RoutingPolicy } from "../routing/policy.js";
import { parsePolicy } from "../routing/policy-parse.js";
import { createTenantSchema, type PatchTenant, patchTenantSchema, tenantIdSchema } from "./tenant-schema.js";

export { patchTenantSchema, tenantIdSchema } from "./tenant-schema.js";

/** The stored text of a policy: the preset name, or weights in the header syntax. */
function canonical(policy: RoutingPolicy): string {
	return policy.name === "weights" ? `weights:latency=${policy.latency},carbon=${policy.carbon}` : policy.name;
}

/** The stored form of a policy text (null stays null); 400 `invalid_policy` when the router cannot read it. */
function storedPolicy(text: string | null): string | null {
	if (text === null) return null;
	const parsed = parsePolicy(text, "defaultPolicy");
	if (!parsed.ok) throw new InvalidRequestError(parsed.message, "defaultPolicy", "invalid_policy");
	return canonical(parsed.policy);
}

/** Lists tenants: id, name, defaultPolicy (null means balanced), limits, createdAt, disabledAt. */
export async function listTenantsHandler(c: Context<AppEnv>): Promise<Response> {
	return c.json({ data: await listTenants(database(c.env)) });
}

/** Creates a tenant; 201 with the tenant, 400 for a bad policy, 409 `tenant_exists` when the id is taken. */
export async function createTenantHandler(c: Context<AppEnv>): Promise<Response> {
	const body = await jsonBody(c, createTenantSchema);
	const id = body.id ?? randomId("tenant_");
	const tenant = await insertTenant(database(c.env), {
		id,
		name: body.name,
		createdAt: Date.now(),
		defaultPolicy: storedPolicy(body.defaultPolicy ?? null),
		rateLimitPerMinute: body.rateLimitPerMinute ?? null,
		maxConcurrent: body.maxConcurrent ?? null,
		dailyTokenQuota: body.dailyTokenQuota ?? null,
	});
	if (!tenant) {
		throw new ConflictError(`id: a tenant with id ${JSON.stringify(id)} already exists.`, "tenant_exists");
	}
	forgetTenant(id);
	return c.json(tenant, 201);
}

/** The row changes of a PATCH body; `disabled: true` stamps disabledAt with `now`. */
function toChanges(body: PatchTenant, now: number): TenantChanges {
	const { defaultPolicy, disabled, ...limits } = body;
	return {
		...limits,
		...(defaultPolicy !== undefined ? { defaultPolicy: storedPolicy(defaultPolicy) } : {}),
		...(disabled !== undefined ? { disabledAt: disabled ? now : null } : {}),
	};
}

/** Changes a tenant's policy, limits or disabled state; 200 with the tenant, 400 for a bad policy, 404 when unknown. */
export async function patchTenantHandler(c: Context<AppEnv>): Promise<Response> {
	const id = validate(tenantIdSchema, c.req.param("id"), "id");
	const body = await jsonBody(c, patchTenantSchema);
	const db = database(c.env);
	const tenant = await updateTenant(db, id, toChanges(body, Date.now()));
	if (!tenant) throw new NotFoundError(`No tenant with id ${JSON.stringify(id)}.`, "tenant_not_found");
	// This isolate re-reads at once; the others within their cache TTLs.
	forgetTenant(id);
	await tenantDefaultPolicy(db, id, { fresh: true });
	return c.json(tenant);
}
