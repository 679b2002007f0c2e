/**
 * Agent JWT rules not covered by agent-auth.test.ts (alg none, wrong key,
 * expiry, audience, revoked node) or enrollment.test.ts (replayed token):
 * not-before, issuer, issued-in-the-future and an audience array that names
 * another party besides ours. Each refusal is a 401 that
 * leaves the zone as it was (the poll would have made the node live).
 */
import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { AUDIENCE, agentCall, enrollNode, errorOf, pollBody, type TestNode } from "./edge-fixtures.js";

const ZONE = "eu-frankfurt";
const UNIQUE_MODEL = "jwt-hardening-only-model";

async function sign(
	node: TestNode,
	claims: { iss?: string; nbf?: number; iat?: number; aud?: string | string[] },
): Promise<string> {
	const now = Math.floor(Date.now() / 1000);
	const jwt = new SignJWT(claims.nbf !== undefined ? { nbf: claims.nbf } : {})
		.setProtectedHeader({ alg: "EdDSA", kid: node.nodeId, typ: "JWT" })
		.setSubject(node.nodeId)
		.setAudience(claims.aud ?? AUDIENCE)
		.setIssuedAt(claims.iat ?? now)
		.setExpirationTime((claims.iat ?? now) + 60)
		.setJti(crypto.randomUUID());
	if (claims.iss !== undefined) jwt.setIssuer(claims.iss);
	return jwt.sign(node.privateKey);
}

async function expectRefusedWithoutStateChange(node: TestNode, jwt: string, reason: RegExp) {
	const res = await agentCall(node, "/poll", { ...pollBody(), models: [UNIQUE_MODEL] }, jwt);
	expect(res.status).toBe(401);
	const error = await errorOf(res);
	expect(error.code).toBe("invalid_agent_token");
	expect(error.message).toMatch(reason);
	const summary = await env.GEOZONE.getByName(ZONE).summary(ZONE);
	expect(summary.models).not.toContain(UNIQUE_MODEL);
}

describe("agent JWT hardening", () => {
	let node: TestNode;
	beforeAll(async () => {
		node = await enrollNode(ZONE);
	});

	it("refuses a token whose nbf lies beyond the clock tolerance with 401 and changes nothing", async () => {
		const now = Math.floor(Date.now() / 1000);
		await expectRefusedWithoutStateChange(node, await sign(node, { nbf: now + 60 }), /nbf/);
	});

	it("refuses a token whose issuer is another node with 401 and changes nothing", async () => {
		await expectRefusedWithoutStateChange(node, await sign(node, { iss: "node_someoneelse0000000000" }), /iss/);
	});

	it("refuses a token issued in the future beyond the clock tolerance with 401", async () => {
		const now = Math.floor(Date.now() / 1000);
		await expectRefusedWithoutStateChange(node, await sign(node, { iat: now + 300 }), /iat/);
	});

	it("accepts a token whose issuer is the node itself, and one with no issuer (earlier agents)", async () => {
		expect((await agentCall(node, "/poll", pollBody(), await sign(node, { iss: node.nodeId }))).status).toBe(200);
		expect((await agentCall(node, "/poll", pollBody(), await sign(node, {}))).status).toBe(200);
	});

	it("accepts a token whose nbf is within the clock tolerance", async () => {
		const now = Math.floor(Date.now() / 1000);
		expect((await agentCall(node, "/poll", pollBody(), await sign(node, { nbf: now + 2 }))).status).toBe(200);
	});

	it("refuses an audience array that names another party besides ours with 401 and changes nothing", async () => {
		await expectRefusedWithoutStateChange(node, await sign(node, { aud: ["evil", AUDIENCE] }), /aud/);
		await expectRefusedWithoutStateChange(node, await sign(node, { aud: [AUDIENCE, AUDIENCE] }), /aud/);
	});

	it("accepts an audience array of exactly ours", async () => {
		expect((await agentCall(node, "/poll", pollBody(), await sign(node, { aud: [AUDIENCE] }))).status).toBe(200);
	});
});
