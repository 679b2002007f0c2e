/**
 * The agent's proof of possession for `rotate-key`, checked by the edge's own
 * verifier: signed with the new key it passes; signed with another key, or
 * naming another key as replaced, it is refused naming `proof`.
 */
import { describe, expect, it } from "vitest";
import { signRotationProof } from "../../node-agent/src/commands/rotate-key.js";
import { generateKeyPair } from "../../node-agent/src/identity.js";
import { verifyRotationProof } from "../../src/auth/rotation-proof.js";

const NODE = "node_abcdefghijklmnop1234";
const AUDIENCE = "arcnet-agent-api";

describe("key rotation proof", () => {
	const current = generateKeyPair();
	const next = generateKeyPair();
	const claims = { sub: NODE, aud: AUDIENCE, prev: current.publicJwk.x, x: next.publicJwk.x };
	const expected = { nodeId: NODE, audience: AUDIENCE, current: current.publicJwk, next: next.publicJwk };

	it("is accepted by the edge when signed with the new key", async () => {
		await expect(verifyRotationProof(signRotationProof(next.privateJwk, claims), expected)).resolves.toBeUndefined();
	});

	it("is refused when signed with the current key, or naming another key as replaced", async () => {
		await expect(verifyRotationProof(signRotationProof(current.privateJwk, claims), expected)).rejects.toMatchObject({
			param: "proof",
			code: "invalid_key_proof",
		});
		const stale = signRotationProof(next.privateJwk, { ...claims, prev: generateKeyPair().publicJwk.x });
		await expect(verifyRotationProof(stale, expected)).rejects.toThrow(/prev/);
	});

	it("expires: a proof signed ten minutes ago is refused", async () => {
		const old = signRotationProof(next.privateJwk, claims, Date.now() - 600_000);
		await expect(verifyRotationProof(old, expected)).rejects.toMatchObject({ param: "proof" });
	});
});
