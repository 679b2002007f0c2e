import { describe, expect, it } from "vitest";
import { recallVerifiedToken, rememberVerifiedToken } from "../../src/auth/verified-token-cache.js";

const KEY_A = '{"kty":"OKP","crv":"Ed25519","x":"a"}';
const KEY_B = '{"kty":"OKP","crv":"Ed25519","x":"b"}';
const iat = 1_800_000_000;

describe("verified agent token cache", () => {
	it("recalls a verified token for the same key while it is valid", () => {
		rememberVerifiedToken("jwt-1", { nodeId: "node_aaaaaaaaaaaa", publicKeyJwk: KEY_A, iat, exp: iat + 60 });
		expect(recallVerifiedToken("jwt-1", KEY_A, (iat + 30) * 1000)).toBe("node_aaaaaaaaaaaa");
	});

	it("forgets a token once the node's key was rotated", () => {
		rememberVerifiedToken("jwt-2", { nodeId: "node_aaaaaaaaaaaa", publicKeyJwk: KEY_A, iat, exp: iat + 60 });
		expect(recallVerifiedToken("jwt-2", KEY_B, (iat + 1) * 1000)).toBeNull();
		expect(recallVerifiedToken("jwt-2", KEY_A, (iat + 1) * 1000)).toBeNull();
	});

	it("refuses a remembered token after its expiry plus the clock tolerance", () => {
		rememberVerifiedToken("jwt-3", { nodeId: "node_aaaaaaaaaaaa", publicKeyJwk: KEY_A, iat, exp: iat + 60 });
		expect(recallVerifiedToken("jwt-3", KEY_A, (iat + 64) * 1000)).toBe("node_aaaaaaaaaaaa");
		expect(recallVerifiedToken("jwt-3", KEY_A, (iat + 66) * 1000)).toBeNull();
	});

	it("refuses a remembered token older than the maximum token age", () => {
		rememberVerifiedToken("jwt-4", { nodeId: "node_aaaaaaaaaaaa", publicKeyJwk: KEY_A, iat, exp: iat + 3600 });
		expect(recallVerifiedToken("jwt-4", KEY_A, (iat + 124) * 1000)).toBe("node_aaaaaaaaaaaa");
		expect(recallVerifiedToken("jwt-4", KEY_A, (iat + 126) * 1000)).toBeNull();
	});

	it("knows nothing of a token it never verified", () => {
		expect(recallVerifiedToken("never-seen", KEY_A)).toBeNull();
	});
});
