import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_KEY, AUDIENCE, call, enrollBody, errorOf, mintToken, newKeyPair } from "./edge-fixtures.js";

async function nodeCount(): Promise<number> {
	const row = await env.DB.prepare("SELECT count(*) AS n FROM nodes").first<{ n: number }>();
	return row?.n ?? -1;
}

describe("enrollment", () => {
	it("registers the node in the token's zone and stores only the token's hash", async () => {
		const { id, token } = await mintToken("eu-stockholm");
		expect(token).toMatch(/^enr_[A-Za-z0-9]{32}$/);
		const { publicJwk } = await newKeyPair();
		const res = await call("POST", "/agent/v1/enroll", { body: enrollBody(token, publicJwk) });
		expect(res.status).toBe(201);
		const body = (await res.json()) as { nodeId: string; zoneId: string; audience: string };
		expect(body.nodeId).toMatch(/^node_[a-z0-9]{24}$/);
		expect(body).toMatchObject({ zoneId: "eu-stockholm", audience: AUDIENCE });

		const stored = await env.DB.prepare("SELECT token_hash, used_at, node_id FROM enrollment_tokens WHERE id = ?")
			.bind(id)
			.first<{ token_hash: string; used_at: number | null; node_id: string }>();
		expect(stored?.token_hash).toMatch(/^[0-9a-f]{64}$/);
		expect(stored?.token_hash).not.toContain(token);
		expect(stored?.used_at).not.toBeNull();
		expect(stored?.node_id).toBe(body.nodeId);
		const node = await env.DB.prepare("SELECT zone_id, status, public_key_jwk FROM nodes WHERE id = ?")
			.bind(body.nodeId)
			.first<{ zone_id: string; status: string; public_key_jwk: string }>();
		expect(node).toMatchObject({ zone_id: "eu-stockholm", status: "active" });
		expect(JSON.parse(node?.public_key_jwk ?? "{}")).toEqual(publicJwk);
	});

	it("refuses a second use of the same token with 401 and creates no node", async () => {
		const { token } = await mintToken("us-oregon");
		const first = await call("POST", "/agent/v1/enroll", { body: enrollBody(token, (await newKeyPair()).publicJwk) });
		expect(first.status).toBe(201);
		const before = await nodeCount();
		const second = await call("POST", "/agent/v1/enroll", { body: enrollBody(token, (await newKeyPair()).publicJwk) });
		expect(second.status).toBe(401);
		expect((await errorOf(second)).code).toBe("invalid_enrollment_token");
		expect(await nodeCount()).toBe(before);
	});

	it("refuses an expired token with 401 and leaves it unused", async () => {
		const { id, token } = await mintToken("eu-frankfurt", 60);
		await env.DB.prepare("UPDATE enrollment_tokens SET expires_at = ? WHERE id = ?")
			.bind(Date.now() - 1000, id)
			.run();
		const before = await nodeCount();
		const res = await call("POST", "/agent/v1/enroll", { body: enrollBody(token, (await newKeyPair()).publicJwk) });
		expect(res.status).toBe(401);
		expect(await nodeCount()).toBe(before);
		const row = await env.DB.prepare("SELECT used_at FROM enrollment_tokens WHERE id = ?")
			.bind(id)
			.first<{ used_at: number | null }>();
		expect(row?.used_at).toBeNull();
	});

	it("refuses an unknown token with 401", async () => {
		const res = await call("POST", "/agent/v1/enroll", {
			body: enrollBody("enr_thisTokenWasNeverMinted000000000", (await newKeyPair()).publicJwk),
		});
		expect(res.status).toBe(401);
	});

	it("refuses a token whose zone was disabled after it was minted, and enrolls nothing", async () => {
		const zone = {
			id: "eu-vilnius",
			name: "Vilnius, LT",
			gridZone: "LT",
			lat: 54.69,
			lon: 25.28,
			regions: ["lt", "eu"],
			locationHint: "eeur",
			continent: "eu",
			defaultGco2PerKwh: 200,
			source: "test",
		};
		expect((await call("POST", "/admin/v1/zones", { bearer: ADMIN_KEY, body: zone })).status).toBe(201);
		const { token } = await mintToken(zone.id);
		const disable = await call("PATCH", `/admin/v1/zones/${zone.id}`, { bearer: ADMIN_KEY, body: { enabled: false } });
		expect(disable.status).toBe(200);
		const before = await nodeCount();
		const res = await call("POST", "/agent/v1/enroll", { body: enrollBody(token, (await newKeyPair()).publicJwk) });
		expect(res.status).toBe(401);
		const error = await errorOf(res);
		expect(error.code).toBe("invalid_enrollment_token");
		expect(error.message).toContain("zone is disabled");
		expect(await nodeCount()).toBe(before);
		const row = await env.DB.prepare("SELECT used_at FROM enrollment_tokens WHERE zone_id = ?")
			.bind(zone.id)
			.first<{ used_at: number | null }>();
		expect(row?.used_at).toBeNull();
	});

	it("refuses to mint a token for an unknown zone, naming it", async () => {
		const res = await call("POST", "/admin/v1/enrollment-tokens", { bearer: ADMIN_KEY, body: { zoneId: "mars-base" } });
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.param).toBe("zoneId");
		expect(error.message).toContain('"mars-base"');
	});

	it("refuses token lifetimes beyond 7 days", async () => {
		const res = await call("POST", "/admin/v1/enrollment-tokens", {
			bearer: ADMIN_KEY,
			body: { zoneId: "eu-stockholm", ttlSeconds: 8 * 24 * 3600 },
		});
		expect(res.status).toBe(400);
		expect((await errorOf(res)).message).toContain(
			"ttlSeconds: expected an integer from 60 to 604800, got 691200 (number)",
		);
	});

	it("requires the admin key to mint tokens", async () => {
		const res = await call("POST", "/admin/v1/enrollment-tokens", { bearer: "nope", body: { zoneId: "eu-stockholm" } });
		expect(res.status).toBe(401);
	});
});
