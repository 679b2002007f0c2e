/**
 * Key rotation (POST /agent/v1/keys/rotate) and GET /agent/v1/whoami: a node
 * signed with its current key replaces it; from then on only the new key is
 * accepted, and a revoked node cannot rotate.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
	ADMIN_KEY,
	agentCall,
	call,
	enrollNode,
	errorOf,
	newKeyPair,
	pollBody,
	signAgentJwt,
} from "./edge-fixtures.js";

describe("agent key rotation", () => {
	it("replaces the key, stamps key_rotated_at, and refuses the old key afterwards with 401", async () => {
		const node = await enrollNode("eu-stockholm");
		// Warm this isolate's key cache with the old key, so the test shows rotation drops it.
		expect((await agentCall(node, "/poll", pollBody())).status).toBe(200);
		const next = await newKeyPair();
		const res = await agentCall(node, "/keys/rotate", { publicKeyJwk: next.publicJwk });
		expect(res.status).toBe(200);
		const body = (await res.json()) as { nodeId: string; keyRotatedAt: number };
		expect(body.nodeId).toBe(node.nodeId);

		const row = await env.DB.prepare("SELECT public_key_jwk, key_rotated_at FROM nodes WHERE id = ?")
			.bind(node.nodeId)
			.first<{ public_key_jwk: string; key_rotated_at: number | null }>();
		expect(JSON.parse(row?.public_key_jwk ?? "{}")).toEqual(next.publicJwk);
		expect(row?.key_rotated_at).toBe(body.keyRotatedAt);

		const old = await agentCall(node, "/poll", pollBody());
		expect(old.status).toBe(401);
		expect((await errorOf(old)).code).toBe("invalid_agent_token");
		const rotated = { ...node, privateKey: next.privateKey };
		expect((await agentCall(rotated, "/poll", pollBody())).status).toBe(200);
		const who = await call("GET", "/agent/v1/whoami", { bearer: await signAgentJwt(rotated) });
		expect(await who.json()).toEqual({ nodeId: node.nodeId, zoneId: "eu-stockholm", keyRotatedAt: body.keyRotatedAt });
	});

	it("refuses a rotation signed with a key that is not the node's with 401 and keeps the key", async () => {
		const node = await enrollNode("eu-stockholm");
		const stranger = await newKeyPair();
		const res = await agentCall({ ...node, privateKey: stranger.privateKey }, "/keys/rotate", {
			publicKeyJwk: stranger.publicJwk,
		});
		expect(res.status).toBe(401);
		expect((await agentCall(node, "/poll", pollBody())).status).toBe(200);
	});

	it("refuses a malformed key with 400 naming publicKeyJwk", async () => {
		const node = await enrollNode("eu-stockholm");
		const res = await agentCall(node, "/keys/rotate", { publicKeyJwk: { kty: "RSA", n: "x", e: "AQAB" } });
		expect(res.status).toBe(400);
		expect((await errorOf(res)).message).toContain("publicKeyJwk");
	});

	it("refuses a revoked node with 403 node_revoked", async () => {
		const node = await enrollNode("eu-stockholm");
		expect((await call("POST", `/admin/v1/nodes/${node.nodeId}/revoke`, { bearer: ADMIN_KEY })).status).toBe(200);
		const res = await agentCall(node, "/keys/rotate", { publicKeyJwk: (await newKeyPair()).publicJwk });
		expect(res.status).toBe(403);
		expect((await errorOf(res)).code).toBe("node_revoked");
	});

	it("whoami answers the signer's node id and zone with a null rotation time before any rotation", async () => {
		const node = await enrollNode("us-oregon");
		const res = await call("GET", "/agent/v1/whoami", { bearer: await signAgentJwt(node) });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ nodeId: node.nodeId, zoneId: "us-oregon", keyRotatedAt: null });
	});
});
