import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { API_KEY_TTL_MS } from "../../src/auth/api-key-cache.js";
import { authenticateApiKey } from "../../src/auth/api-keys.js";
import { admin, createKey, createTenant, models } from "./api-key-fixtures.js";
import { DEV_KEY } from "./edge-fixtures.js";

describe("tenant isolation of keys", () => {
	beforeAll(async () => {
		await createTenant("tenant_a", { rateLimitPerMinute: 100, dailyTokenQuota: 5_000 });
		await createTenant("tenant_b");
	});

	it("gives each key its own tenant, and resolves limits key, then tenant, then null", async () => {
		const a = await createKey("tenant_a", { rateLimitPerMinute: 10 });
		const b = await createKey("tenant_b");
		expect(await authenticateApiKey(env, a.key)).toMatchObject({
			tenantId: "tenant_a",
			keyId: a.id,
			keyPrefix: a.prefix,
			limits: { ratePerMinute: 10, maxConcurrent: null, dailyTokens: 5_000 },
		});
		expect(await authenticateApiKey(env, b.key)).toMatchObject({
			tenantId: "tenant_b",
			limits: { ratePerMinute: null, maxConcurrent: null, dailyTokens: null },
		});
	});

	it("refuses every key of a disabled tenant at once, and keeps other tenants' keys working", async () => {
		const a = await createKey("tenant_a");
		const b = await createKey("tenant_b");
		expect((await models(a.key)).status).toBe(200);
		const disabled = await admin("PATCH", "/admin/v1/tenants/tenant_a", { disabled: true });
		expect(((await disabled.json()) as { disabledAt: number | null }).disabledAt).toEqual(expect.any(Number));
		expect((await models(a.key)).status).toBe(401);
		expect((await models(b.key)).status).toBe(200);
		await admin("PATCH", "/admin/v1/tenants/tenant_a", { disabled: false });
		expect((await models(a.key)).status).toBe(200);
	});

	it("refuses a disabled tenant's keys in other isolates once the cache TTL has passed", async () => {
		const b = await createKey("tenant_b");
		const t0 = Date.now() + 3_600_000;
		expect(await authenticateApiKey(env, b.key, { now: t0 })).not.toBeNull();
		await env.DB.prepare("UPDATE tenants SET disabled_at = ? WHERE id = 'tenant_b'").bind(t0).run();
		expect(await authenticateApiKey(env, b.key, { now: t0 + 1 })).not.toBeNull();
		expect(await authenticateApiKey(env, b.key, { now: t0 + API_KEY_TTL_MS })).toBeNull();
		await env.DB.prepare("UPDATE tenants SET disabled_at = NULL WHERE id = 'tenant_b'").run();
	});

	it("refuses the dev key while tenant_dev is disabled", async () => {
		await admin("PATCH", "/admin/v1/tenants/tenant_dev", { disabled: true });
		expect((await models(DEV_KEY)).status).toBe(401);
		await admin("PATCH", "/admin/v1/tenants/tenant_dev", { disabled: false });
		expect((await models(DEV_KEY)).status).toBe(200);
	});

	it("lists only the named tenant's keys", async () => {
		const { data } = (await (await admin("GET", "/admin/v1/keys?tenantId=tenant_b")).json()) as {
			data: { tenantId: string }[];
		};
		expect(data.length).toBeGreaterThan(0);
		expect(new Set(data.map((k) => k.tenantId))).toEqual(new Set(["tenant_b"]));
	});
});
