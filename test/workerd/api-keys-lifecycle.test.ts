import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { API_KEY_TTL_MS } from "../../src/auth/api-key-cache.js";
import { authenticateApiKey } from "../../src/auth/api-keys.js";
import { sha256Hex } from "../../src/auth/crypto.js";
import { admin, createKey, createTenant, models } from "./api-key-fixtures.js";
import { DEV_KEY, errorOf } from "./edge-fixtures.js";

const TENANT = "tenant_life";

async function keyRow(id: string) {
	return env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(id).first<Record<string, unknown>>();
}

describe("API key lifecycle", () => {
	beforeAll(async () => {
		await createTenant(TENANT);
	});

	it("shows a key of the documented format once, and stores only its SHA-256", async () => {
		const created = await createKey(TENANT, { name: "ci" });
		expect(created.key).toMatch(/^ak_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$/);
		expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);
		expect(created).toMatchObject({ tenantId: TENANT, name: "ci", scopes: ["inference"], status: "active" });
		const row = await keyRow(created.id);
		expect(row?.key_hash).toBe(await sha256Hex(created.key));
		expect(JSON.stringify(row)).not.toContain(created.key.slice(14));
	});

	it("accepts a created key, then refuses it with 401 at once after revocation", async () => {
		const created = await createKey(TENANT);
		expect((await models(created.key)).status).toBe(200);
		const revoked = await admin("POST", `/admin/v1/keys/${created.id}/revoke`);
		expect(revoked.status).toBe(200);
		expect(await revoked.json()).toMatchObject({ id: created.id, status: "revoked" });
		const refused = await models(created.key);
		expect(refused.status).toBe(401);
		expect((await errorOf(refused)).message).toBe("Incorrect API key provided.");
	});

	it("refuses a key revoked by another isolate once the cache TTL has passed", async () => {
		const created = await createKey(TENANT);
		const t0 = Date.now() + 3_600_000;
		expect(await authenticateApiKey(env, created.key, { now: t0 })).not.toBeNull();
		// Another isolate revokes it: only D1 changes, this isolate's cache does not hear of it.
		await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(t0, created.id).run();
		expect(await authenticateApiKey(env, created.key, { now: t0 + API_KEY_TTL_MS - 1 })).not.toBeNull();
		expect(await authenticateApiKey(env, created.key, { now: t0 + API_KEY_TTL_MS })).toBeNull();
	});

	it("refuses an expired key, an unknown key, a wrong secret and garbage with the same 401", async () => {
		const created = await createKey(TENANT, { expiresAt: Date.now() + 60_000 });
		const expiresAt = created.expiresAt as number;
		expect(await authenticateApiKey(env, created.key, { now: expiresAt - 1 })).not.toBeNull();
		expect(await authenticateApiKey(env, created.key, { now: expiresAt })).toBeNull();

		const other = await createKey(TENANT);
		const wrongSecret = `${other.prefix}_${"A".repeat(43)}`;
		const unknown = `ak_0000000000_${"B".repeat(43)}`;
		const messages = new Set<string>();
		for (const key of [wrongSecret, unknown, "sk-garbage", `${other.key}x`]) {
			const res = await models(key);
			expect(res.status).toBe(401);
			messages.add((await errorOf(res)).message);
		}
		expect([...messages]).toEqual(["Incorrect API key provided."]);
	});

	it("answers 404 key_not_found for an unknown key id and keeps the first revocation time", async () => {
		const missing = await admin("POST", `/admin/v1/keys/key_${"0".repeat(24)}/revoke`);
		expect(missing.status).toBe(404);
		expect((await errorOf(missing)).code).toBe("key_not_found");
		const created = await createKey(TENANT);
		const first = (await (await admin("POST", `/admin/v1/keys/${created.id}/revoke`)).json()) as { revokedAt: number };
		const second = (await (await admin("POST", `/admin/v1/keys/${created.id}/revoke`)).json()) as { revokedAt: number };
		expect(second.revokedAt).toBe(first.revokedAt);
	});

	it("records last_used_at off the hot path, at most once a minute", async () => {
		const created = await createKey(TENANT);
		const t0 = Date.now() + 7_200_000;
		const pending: Promise<unknown>[] = [];
		const waitUntil = (p: Promise<unknown>) => pending.push(p);
		await authenticateApiKey(env, created.key, { now: t0, waitUntil });
		await authenticateApiKey(env, created.key, { now: t0 + 30_000, waitUntil });
		await Promise.all(pending);
		expect(pending).toHaveLength(1);
		expect((await keyRow(created.id))?.last_used_at).toBe(t0);
		await authenticateApiKey(env, created.key, { now: t0 + 61_000, waitUntil });
		await Promise.all(pending);
		expect((await keyRow(created.id))?.last_used_at).toBe(t0 + 61_000);
	});

	it("keeps accepting the bootstrap dev key as tenant_dev with scopes inference and jobs", async () => {
		const identity = await authenticateApiKey(env, DEV_KEY);
		expect(identity).toMatchObject({
			tenantId: "tenant_dev",
			keyId: null,
			keyPrefix: "dev",
			scopes: ["inference", "jobs"],
		});
		expect((await models(DEV_KEY)).status).toBe(200);
	});
});
