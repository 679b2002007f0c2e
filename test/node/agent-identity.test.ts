import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeProtectedHeader, importJWK, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import {
	generateKeyPair,
	type Identity,
	identityPath,
	loadIdentity,
	saveIdentity,
} from "../../node-agent/src/identity.js";
import { createTokenSource, TOKEN_TTL_S } from "../../node-agent/src/jwt.js";
import { AGENT_JWT_MAX_AGE_S } from "../../src/protocol/agent-wire.js";

function identity(): Identity {
	const { publicJwk, privateJwk } = generateKeyPair();
	return {
		nodeId: "node_abcdefghijklmnopqrstuvwx",
		zoneId: "eu-stockholm",
		audience: "arcnet-agent-test",
		edgeUrl: "http://127.0.0.1:8787",
		publicJwk,
		privateJwk,
		enrolledAt: new Date().toISOString(),
	};
}

describe("agent identity", () => {
	it("writes identity.json with mode 0600 in a directory with mode 0700", () => {
		const dir = join(mkdtempSync(join(tmpdir(), "arcnet-agent-id-")), "state");
		const id = identity();
		saveIdentity(dir, id);
		expect(statSync(identityPath(dir)).mode & 0o777).toBe(0o600);
		expect(statSync(dir).mode & 0o777).toBe(0o700);
		expect(loadIdentity(dir)).toEqual(id);
	});

	it("tells the operator to enroll when there is no identity", () => {
		const dir = mkdtempSync(join(tmpdir(), "arcnet-agent-id-"));
		expect(() => loadIdentity(dir)).toThrow(/no identity at .*identity\.json: run `arcnet-agent enroll/);
	});

	it("signs an EdDSA JWT with kid, sub, aud, iat, exp and jti that verifies with the public key", async () => {
		const id = identity();
		const token = await createTokenSource(id).token();
		const key = await importJWK(id.publicJwk, "EdDSA");
		const { payload, protectedHeader } = await jwtVerify(token, key, {
			algorithms: ["EdDSA"],
			audience: "arcnet-agent-test",
			subject: id.nodeId,
			maxTokenAge: `${AGENT_JWT_MAX_AGE_S}s`,
		});
		expect(protectedHeader).toMatchObject({ alg: "EdDSA", kid: id.nodeId });
		expect(typeof payload.jti).toBe("string");
		expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(TOKEN_TTL_S);
		expect(TOKEN_TTL_S).toBeLessThan(AGENT_JWT_MAX_AGE_S);
	});

	it("fails verification against another node's key", async () => {
		const token = await createTokenSource(identity()).token();
		const other = await importJWK(identity().publicJwk, "EdDSA");
		await expect(jwtVerify(token, other, { algorithms: ["EdDSA"] })).rejects.toThrow();
	});

	it("reuses a token until 15 s before expiry, then signs a new one", async () => {
		let now = 1_800_000_000_000;
		const source = createTokenSource(identity(), () => now);
		const first = await source.token();
		now += 44_000;
		expect(await source.token()).toBe(first);
		now += 2_000;
		const second = await source.token();
		expect(second).not.toBe(first);
		expect(decodeProtectedHeader(second).alg).toBe("EdDSA");
	});
});
