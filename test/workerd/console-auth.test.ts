/**
 * The console's sign-in and guards: the admin key is exchanged for an
 * HttpOnly, Secure, SameSite=Strict cookie; a wrong key, a missing or forged
 * cookie, a change without the CSRF token or from another origin are refused.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, createKey, createTenant, models } from "./api-key-fixtures.js";
import { consoleCall, signIn } from "./console-fixtures.js";
import { ADMIN_KEY, errorOf } from "./edge-fixtures.js";

async function waitForEvent(kind: string): Promise<Record<string, unknown>> {
	for (let i = 0; i < 100; i++) {
		const row = await env.DB.prepare("SELECT * FROM events WHERE kind = ? ORDER BY id DESC LIMIT 1")
			.bind(kind)
			.first<Record<string, unknown>>();
		if (row) return row;
		await new Promise((r) => setTimeout(r, 20));
	}
	throw new Error(`no ${kind} event`);
}

describe("console sign-in", () => {
	it("exchanges the admin key for an HttpOnly, Secure, SameSite=Strict session cookie and never echoes the key", async () => {
		const res = await exports.default.fetch("http://edge/console/api/session", {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ adminKey: ADMIN_KEY }),
		});
		expect(res.status).toBe(200);
		const cookie = res.headers.get("set-cookie") ?? "";
		expect(cookie).toMatch(/^arcnet_console=/);
		expect(cookie).toContain("HttpOnly");
		expect(cookie).toContain("Secure");
		expect(cookie).toContain("SameSite=Strict");
		expect(cookie).toContain("Path=/console");
		expect(cookie).toMatch(/Max-Age=1800/);
		const text = await res.text();
		expect(text).not.toContain(ADMIN_KEY);
		expect(cookie).not.toContain(ADMIN_KEY);
		expect(JSON.parse(text).csrfToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
		expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
	});

	it("refuses a wrong admin key with 401 and records the refusal in the event log", async () => {
		const res = await consoleCall(null, "POST", "/session", { body: { adminKey: "sk-wrong-admin-key-000000" } });
		expect(res.status).toBe(401);
		expect(res.headers.get("set-cookie")).toBeNull();
		expect((await errorOf(res)).message).toContain("Incorrect admin key");
		const event = await waitForEvent("key_refused");
		expect(event.message).toContain("console API refused");
		expect(String(event.message)).not.toContain("sk-wrong-admin-key");
	});

	it("names the field when the sign-in body is wrong", async () => {
		const res = await consoleCall(null, "POST", "/session", { body: { key: ADMIN_KEY } });
		expect(res.status).toBe(400);
		expect((await errorOf(res)).message).toMatch(/adminKey/);
	});

	it("refuses data without a session, and with a forged or foreign cookie", async () => {
		expect((await consoleCall(null, "GET", "/fleet")).status).toBe(401);
		const forged = { cookie: "arcnet_console=eyJhbGciOiJIUzI1NiJ9.e30.x", csrf: "x", setCookie: "" };
		expect((await consoleCall(forged, "GET", "/fleet")).status).toBe(401);
		const session = await signIn();
		expect((await consoleCall(session, "GET", "/fleet")).status).toBe(200);
		expect((await consoleCall(session, "GET", "/session")).status).toBe(200);
	});
});

describe("console changes", () => {
	it("refuses a change without the CSRF token, or with a wrong one, and changes nothing", async () => {
		await createTenant("tenant_console_csrf");
		const key = await createKey("tenant_console_csrf");
		const session = await signIn();
		for (const csrf of [false, "not-the-token"] as const) {
			const res = await consoleCall(session, "POST", `/admin/keys/${key.id}/revoke`, { csrf });
			expect(res.status).toBe(403);
			expect(await errorOf(res)).toMatchObject({ code: "csrf_failed" });
		}
		expect((await models(key.key)).status).toBe(200);
	});

	it("refuses a change from another origin even with the token", async () => {
		await createTenant("tenant_console_origin");
		const key = await createKey("tenant_console_origin");
		const session = await signIn();
		const res = await consoleCall(session, "POST", `/admin/keys/${key.id}/revoke`, { origin: "https://evil.example" });
		expect(res.status).toBe(403);
		expect((await errorOf(res)).message).toContain("https://evil.example");
		expect((await models(key.key)).status).toBe(200);
	});

	it("revokes a key with session and token, after which the API refuses the key", async () => {
		await createTenant("tenant_console_revoke");
		const key = await createKey("tenant_console_revoke");
		expect((await models(key.key)).status).toBe(200);
		const session = await signIn();
		const res = await consoleCall(session, "POST", `/admin/keys/${key.id}/revoke`, { origin: "http://edge" });
		expect(res.status).toBe(200);
		expect((await models(key.key)).status).toBe(401);
	});

	it("records a zone disabled from the console in the event log", async () => {
		const session = await signIn();
		const res = await consoleCall(session, "PATCH", "/admin/zones/eu-stockholm", { body: { enabled: false } });
		expect(res.status).toBe(200);
		const event = await waitForEvent("zone_disabled");
		expect(event).toMatchObject({ zone_id: "eu-stockholm" });
		await admin("PATCH", "/admin/v1/zones/eu-stockholm", { enabled: true });
	});

	it("forgets the session on sign-out", async () => {
		const session = await signIn();
		const res = await consoleCall(session, "DELETE", "/session");
		expect(res.status).toBe(204);
		expect(res.headers.get("set-cookie")).toMatch(/arcnet_console=;.*Max-Age=0/);
	});
});
