import { beforeAll, describe, expect, it } from "vitest";
import { admin, createKey, createTenant, models } from "./api-key-fixtures.js";
import { ADMIN_KEY, DEV_KEY, errorOf, mintToken } from "./edge-fixtures.js";

const TENANT = "tenant_admin_keys";

describe("admin API: keys", () => {
	beforeAll(async () => {
		await createTenant(TENANT);
		await createTenant("tenant_admin_other");
	});

	it("lists keys without hash or secret, filtered by tenant", async () => {
		const created = await createKey(TENANT, { allowedModels: ["m1"], allowedRegions: ["eu"], rateLimitPerMinute: 60 });
		await createKey("tenant_admin_other");
		const res = await admin("GET", `/admin/v1/keys?tenantId=${TENANT}`);
		expect(res.status).toBe(200);
		const text = await res.text();
		expect(text).not.toContain(created.key);
		expect(text).not.toContain(created.key.slice(14));
		expect(text).not.toMatch(/hash/i);
		const { data } = JSON.parse(text) as { data: Record<string, unknown>[] };
		expect(data.map((k) => k.tenantId)).toEqual([TENANT]);
		expect(data[0]).toMatchObject({
			id: created.id,
			prefix: created.prefix,
			allowedModels: ["m1"],
			allowedRegions: ["eu"],
			rateLimitPerMinute: 60,
			maxConcurrent: null,
			status: "active",
		});
		const all = (await (await admin("GET", "/admin/v1/keys")).json()) as { data: unknown[] };
		expect(all.data.length).toBeGreaterThanOrEqual(2);
	});

	it("refuses bad create bodies naming the field, the value and what is allowed", async () => {
		const unknownTenant = await admin("POST", "/admin/v1/keys", {
			tenantId: "tenant_nobody",
			name: "k",
			scopes: ["inference"],
		});
		expect(unknownTenant.status).toBe(400);
		expect(await errorOf(unknownTenant)).toMatchObject({ param: "tenantId", code: "unknown_tenant" });

		const noScopes = await admin("POST", "/admin/v1/keys", { tenantId: TENANT, name: "k", scopes: [] });
		expect((await errorOf(noScopes)).message).toContain("scopes: expected at least 1 item, got [] (array)");

		const badScope = await admin("POST", "/admin/v1/keys", { tenantId: TENANT, name: "k", scopes: ["root"] });
		expect((await errorOf(badScope)).message).toContain(
			'scopes[0]: expected one of "inference"|"jobs"|"admin", got "root" (string)',
		);

		const past = await admin("POST", "/admin/v1/keys", { tenantId: TENANT, name: "k", scopes: ["jobs"], expiresAt: 1 });
		expect(past.status).toBe(400);
		expect(await errorOf(past)).toMatchObject({ param: "expiresAt" });
		expect(
			(
				await errorOf(
					await admin("POST", "/admin/v1/keys", { tenantId: TENANT, name: "k", scopes: ["jobs"], expiresAt: 1 }),
				)
			).message,
		).toMatch(/^expiresAt: expected a time in the future/);
	});

	it("lets a key with the admin scope call admin endpoints, and refuses others with 401", async () => {
		const adminKey = await createKey(TENANT, { scopes: ["admin"] });
		expect((await admin("GET", "/admin/v1/tenants", undefined, adminKey.key)).status).toBe(200);
		const made = await admin(
			"POST",
			"/admin/v1/keys",
			{ tenantId: "tenant_admin_other", name: "via admin key", scopes: ["inference"] },
			adminKey.key,
		);
		expect(made.status).toBe(201);
		// An admin-only key is no inference key.
		expect((await models(adminKey.key)).status).toBe(403);

		const inference = await createKey(TENANT, { scopes: ["inference", "jobs"] });
		for (const bearer of [inference.key, DEV_KEY]) {
			const res = await admin("GET", "/admin/v1/keys", undefined, bearer);
			expect(res.status).toBe(401);
			expect((await errorOf(res)).message).toMatch(/^Incorrect admin key provided/);
		}
		await admin("POST", `/admin/v1/keys/${adminKey.id}/revoke`);
		expect((await admin("GET", "/admin/v1/tenants", undefined, adminKey.key)).status).toBe(401);
	});
});

describe("admin API: tenants", () => {
	it("creates a tenant with limits, refuses a taken id with 409, and lists it", async () => {
		const res = await admin("POST", "/admin/v1/tenants", {
			id: "tenant_new",
			name: "New",
			defaultPolicy: "Carbon",
			maxConcurrent: 4,
		});
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({
			id: "tenant_new",
			defaultPolicy: "carbon",
			maxConcurrent: 4,
			disabledAt: null,
		});
		const again = await admin("POST", "/admin/v1/tenants", { id: "tenant_new", name: "Again" });
		expect(again.status).toBe(409);
		expect((await errorOf(again)).code).toBe("tenant_exists");
		const generated = (await (await admin("POST", "/admin/v1/tenants", { name: "No id" })).json()) as { id: string };
		expect(generated.id).toMatch(/^tenant_[a-z0-9]{24}$/);
		const { data } = (await (await admin("GET", "/admin/v1/tenants")).json()) as { data: { id: string }[] };
		expect(data.map((t) => t.id)).toEqual(expect.arrayContaining(["tenant_new", generated.id]));
	});

	it("sets and clears limits with PATCH, and refuses out-of-range values", async () => {
		const set = await admin("PATCH", "/admin/v1/tenants/tenant_new", {
			rateLimitPerMinute: 120,
			dailyTokenQuota: 1000,
		});
		expect(await set.json()).toMatchObject({ rateLimitPerMinute: 120, dailyTokenQuota: 1000, maxConcurrent: 4 });
		const cleared = await admin("PATCH", "/admin/v1/tenants/tenant_new", { maxConcurrent: null });
		expect(await cleared.json()).toMatchObject({ maxConcurrent: null, rateLimitPerMinute: 120 });
		const bad = await admin("PATCH", "/admin/v1/tenants/tenant_new", { rateLimitPerMinute: 0 });
		expect(bad.status).toBe(400);
		expect((await errorOf(bad)).message).toBe(
			"rateLimitPerMinute: expected an integer from 1 to 1000000, got 0 (number)",
		);
	});
});

describe("admin API: enrollment tokens", () => {
	it("lists tokens without the token or its hash, and revokes an unused one", async () => {
		const { id, token } = await mintToken("eu-frankfurt");
		const listed = await admin("GET", "/admin/v1/enrollment-tokens");
		const text = await listed.text();
		expect(text).not.toContain(token);
		expect(text).not.toMatch(/hash/i);
		const entry = (JSON.parse(text) as { data: { id: string; status: string }[] }).data.find((t) => t.id === id);
		expect(entry?.status).toBe("active");

		const revoked = await admin("POST", `/admin/v1/enrollment-tokens/${id}/revoke`);
		expect(revoked.status).toBe(200);
		expect(await revoked.json()).toMatchObject({ id, status: "expired", usedAt: null });
		const missing = await admin("POST", `/admin/v1/enrollment-tokens/enrtok_${"0".repeat(24)}/revoke`);
		expect((await errorOf(missing)).code).toBe("token_not_found");
	});

	it("requires an admin credential", async () => {
		expect((await admin("GET", "/admin/v1/enrollment-tokens", undefined, "sk-wrong")).status).toBe(401);
		expect((await admin("GET", "/admin/v1/enrollment-tokens", undefined, ADMIN_KEY)).status).toBe(200);
	});
});
