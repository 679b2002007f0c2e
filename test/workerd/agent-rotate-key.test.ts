/**
 * Key rotation (POST /agent/v1/keys/rotate) and GET /agent/v1/whoami: a node
 * signed with its current key, proving with a JWS signed by the new key that
 * it holds it, replaces it; from then on only the new key is accepted, and a
 * revoked node cannot rotate.
 */
import { env } from "cloudflare:workers";
import { type CryptoKey, type JWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { KEY_ROTATION_PROOF_TYP } from "../../src/protocol/agent-wire.js";
import {
	ADMIN_KEY,
	AUDIENCE,
	agentCall,
	call,
	enrollNode,
	errorOf,
	newKeyPair,
	pollBody,
	signAgentJwt,
	type TestNode,
} from "./edge-fixtures.js";

/** The node's enrolled public key, as D1 holds it. */
async function currentKey(node: TestNode): Promise<JWK> {
	const row = await env.DB.prepare("SELECT public_key_jwk FROM nodes WHERE id = ?")
		.bind(node.nodeId)
		.first<{ public_key_jwk: string }>();
	return JSON.parse(row?.public_key_jwk ?? "{}") as JWK;
}

/** A rotation body for `next`, its proof signed with `signer` (the new key unless a test bends it). */
async function rotation(
	node: TestNode,
	next: { privateKey: CryptoKey; publicJwk: JWK },
	bend: { signer?: CryptoKey; prev?: string; x?: string; sub?: string; typ?: string; iat?: number } = {},
) {
	const now = Math.floor(Date.now() / 1000);
	const iat = bend.iat ?? now;
	const proof = await new SignJWT({ prev: bend.prev ?? (await currentKey(node)).x, x: bend.x ?? next.publicJwk.x })
		.setProtectedHeader({ alg: "EdDSA", typ: bend.typ ?? KEY_ROTATION_PROOF_TYP })
		.setSubject(bend.sub ?? node.nodeId)
		.setAudience(AUDIENCE)
		.setIssuedAt(iat)
		.setExpirationTime(iat + 60)
		.sign(bend.signer ?? next.privateKey);
	return { publicKeyJwk: next.publicJwk, proof };
}

describe("agent key rotation", () => {
	it("replaces the key, stamps key_rotated_at, and refuses the old key afterwards with 401", async () => {
		const node = await enrollNode("eu-stockholm");
		// Warm this isolate's key cache with the old key, so the test shows rotation drops it.
		expect((await agentCall(node, "/poll", pollBody())).status).toBe(200);
		const next = await newKeyPair();
		const res = await agentCall(node, "/keys/rotate", await rotation(node, next));
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
		const res = await agentCall(
			{ ...node, privateKey: stranger.privateKey },
			"/keys/rotate",
			await rotation(node, stranger),
		);
		expect(res.status).toBe(401);
		expect((await agentCall(node, "/poll", pollBody())).status).toBe(200);
	});

	it("refuses a 43-character x that is no key the node holds, and keeps the old key working", async () => {
		const node = await enrollNode("eu-stockholm");
		const next = await newKeyPair();
		const bogus = { kty: "OKP", crv: "Ed25519", x: "A".repeat(43) };
		for (const body of [
			{ publicKeyJwk: bogus },
			{ ...(await rotation(node, next)), publicKeyJwk: bogus },
			{ publicKeyJwk: bogus, proof: "not-a-jws" },
		]) {
			const res = await agentCall(node, "/keys/rotate", body);
			expect(res.status).toBe(400);
			expect((await errorOf(res)).param).toBe("proof");
		}
		expect((await currentKey(node)).x).not.toBe(bogus.x);
		expect((await agentCall(node, "/poll", pollBody())).status).toBe(200);
	});

	it.each([
		["signed with the current key instead of the new one", "signer"],
		["naming another key as replaced", "prev"],
		["naming another key as new", "x"],
		["for another node", "sub"],
		["typed as an agent JWT", "typ"],
		["older than the token age limit", "iat"],
	] as const)("refuses a proof %s with 400 invalid_key_proof and keeps the key", async (_, bent) => {
		const node = await enrollNode("eu-stockholm");
		const next = await newKeyPair();
		const other = await newKeyPair();
		const bend = {
			signer: { signer: node.privateKey },
			prev: { prev: other.publicJwk.x },
			x: { x: other.publicJwk.x },
			sub: { sub: "node_someoneelse0000000000" },
			typ: { typ: "JWT" },
			iat: { iat: Math.floor(Date.now() / 1000) - 600 },
		}[bent];
		const res = await agentCall(node, "/keys/rotate", await rotation(node, next, bend));
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error).toMatchObject({ param: "proof", code: "invalid_key_proof" });
		expect((await agentCall(node, "/poll", pollBody())).status).toBe(200);
	});

	it("refuses a malformed key with 400 naming publicKeyJwk", async () => {
		const node = await enrollNode("eu-stockholm");
		const res = await agentCall(node, "/keys/rotate", {
			publicKeyJwk: { kty: "RSA", n: "x", e: "AQAB" },
			proof: "x",
		});
		expect(res.status).toBe(400);
		expect((await errorOf(res)).message).toContain("publicKeyJwk");
	});

	it("refuses a revoked node with 403 node_revoked", async () => {
		const node = await enrollNode("eu-stockholm");
		expect((await call("POST", `/admin/v1/nodes/${node.nodeId}/revoke`, { bearer: ADMIN_KEY })).status).toBe(200);
		const res = await agentCall(node, "/keys/rotate", await rotation(node, await newKeyPair()));
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
