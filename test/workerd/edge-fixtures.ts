/**
 * Shared helpers for the edge Worker tests: calls into the Worker through
 * `exports.default.fetch`, enrollment via the admin API, and agent JWTs signed
 * with a real Ed25519 key generated in the test.
 */
import { exports } from "cloudflare:workers";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

export const DEV_KEY = "sk-test-dev-key-000000000000";
export const ADMIN_KEY = "sk-test-admin-key-0000000000";
export const AUDIENCE = "arcnet-agent-api";
export const MODEL = "llama3.1:8b";

/** Calls the Worker with a JSON body (or a raw string) and optional bearer token. */
export function call(
	method: string,
	path: string,
	options: {
		body?: unknown;
		bearer?: string;
		rawBody?: string;
		signal?: AbortSignal;
		headers?: Record<string, string>;
	} = {},
): Promise<Response> {
	const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
	if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
	const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
	return exports.default.fetch(`http://edge${path}`, {
		method,
		headers,
		...(body !== undefined ? { body } : {}),
		...(options.signal ? { signal: options.signal } : {}),
	});
}

/** The OpenAI-shaped error of a response. */
export async function errorOf(res: Response) {
	return ((await res.json()) as { error: { message: string; type: string; param: string | null; code: string | null } })
		.error;
}

/** Mints an enrollment token for `zoneId` through the admin API. */
export async function mintToken(zoneId: string, ttlSeconds?: number): Promise<{ id: string; token: string }> {
	const res = await call("POST", "/admin/v1/enrollment-tokens", {
		bearer: ADMIN_KEY,
		body: { zoneId, ...(ttlSeconds !== undefined ? { ttlSeconds } : {}) },
	});
	if (res.status !== 201) throw new Error(`mint token: ${res.status} ${await res.text()}`);
	return (await res.json()) as { id: string; token: string };
}

/** A generated Ed25519 key pair with its public JWK as the enroll body wants it. */
export async function newKeyPair(): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
	const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
	const jwk = await exportJWK(publicKey);
	return { privateKey, publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x } };
}

/** An enrolled test node: its id, zone and signing key. */
export interface TestNode {
	nodeId: string;
	zoneId: string;
	privateKey: CryptoKey;
}

/** The body of an enroll request for `token` and `publicJwk`. */
export function enrollBody(token: string, publicJwk: JWK) {
	return { token, name: "test-node", publicKeyJwk: publicJwk, agentVersion: "0.1.0-test" };
}

/** Enrolls a new node into `zoneId` (mints the token first). */
export async function enrollNode(zoneId: string): Promise<TestNode> {
	const { token } = await mintToken(zoneId);
	const { privateKey, publicJwk } = await newKeyPair();
	const res = await call("POST", "/agent/v1/enroll", { body: enrollBody(token, publicJwk) });
	if (res.status !== 201) throw new Error(`enroll: ${res.status} ${await res.text()}`);
	const { nodeId } = (await res.json()) as { nodeId: string };
	return { nodeId, zoneId, privateKey };
}

/** Signs an agent JWT as the node would; `overrides` bend it for refusal tests. */
export async function signAgentJwt(
	node: { nodeId: string; privateKey: CryptoKey },
	overrides: { kid?: string; sub?: string; iat?: number; exp?: number; aud?: string } = {},
): Promise<string> {
	const now = Math.floor(Date.now() / 1000);
	return new SignJWT({})
		.setProtectedHeader({ alg: "EdDSA", kid: overrides.kid ?? node.nodeId })
		.setSubject(overrides.sub ?? node.nodeId)
		.setAudience(overrides.aud ?? AUDIENCE)
		.setIssuedAt(overrides.iat ?? now)
		.setExpirationTime(overrides.exp ?? now + 60)
		.setJti(crypto.randomUUID())
		.sign(node.privateKey);
}

/** Calls an agent endpoint signed as `node`. */
export async function agentCall(node: TestNode, path: string, body: unknown, jwt?: string): Promise<Response> {
	return call("POST", `/agent/v1${path}`, { body, bearer: jwt ?? (await signAgentJwt(node)) });
}

/** A poll body for the test model. */
export function pollBody(waitMs = 0) {
	return { maxJobs: 4, waitMs, models: [MODEL], slots: 4 };
}

/** A chat completion body for the test model. */
export function chatBody(extra: Record<string, unknown> = {}) {
	return { model: MODEL, messages: [{ role: "user", content: "Say hello" }], ...extra };
}
