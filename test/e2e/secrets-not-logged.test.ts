/**
 * No secret and no key hash leaves the system (docs/security.md):
 * the production bundle under Miniflare with a real agent and a fake backend
 * is driven through enrollment, chat completions (JSON and SSE), admin calls
 * and error paths; then every captured response (status, headers, body), every
 * Worker log line, every agent log line and every span the agent exported
 * (to a loopback OTLP/HTTP receiver) is scanned for each secret value, its
 * SHA-256 hex, and anything shaped like a JWT; the logs and spans also for the
 * prompt and its output, and the Worker's lines must be JSON objects.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomUUID, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnAgent } from "../support/agent-process.js";
import { createEnrollmentToken, waitForModel } from "../support/edge-client.js";
import { type FakeOpenAIServer, startFakeOpenAI } from "../support/fake-openai-server.js";
import type { ManagedProcess } from "../support/managed-process.js";
import { type MiniflareEdge, startMiniflareEdge } from "../support/miniflare-edge.js";
import { waitFor } from "../support/wait.js";

const MODEL = "llama-3.1-8b-instruct";
const ZONE = "eu-stockholm";
/** A compact JWS anywhere in a text: three base64url parts, the first two JSON objects. */
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;

let workDir = "";
let edge: MiniflareEdge | undefined;
let fake: FakeOpenAIServer | undefined;
let agent: ManagedProcess | undefined;
const agentLogs: string[] = [];
/** The bodies the agent posted to the OTLP receiver. */
const spanBodies: string[] = [];
let collector: Server | undefined;
const PROMPT = "tell me a secret";
const responses: string[] = [];
const secrets = new Map<string, string>();

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function signJwt(privateJwk: Record<string, string>, claims: Record<string, unknown>, kid: string): string {
	const input = `${b64url({ alg: "EdDSA", kid, typ: "JWT" })}.${b64url(claims)}`;
	const key = createPrivateKey({ key: privateJwk, format: "jwk" });
	return `${input}.${sign(null, Buffer.from(input), key).toString("base64url")}`;
}

/** Calls the edge and records the whole response for the scan. */
async function record(path: string, init: RequestInit = {}): Promise<Response> {
	if (!edge) throw new Error("edge did not start");
	const res = await fetch(`${edge.url}${path}`, { ...init, signal: AbortSignal.timeout(60_000) });
	const body = await res.text();
	responses.push(`${init.method ?? "GET"} ${path} ${res.status} ${headerText(res.headers)} ${body}`);
	return new Response(body, { status: res.status, headers: res.headers });
}

function headerText(headers: Headers): string {
	const out: string[] = [];
	headers.forEach((value, name) => {
		out.push(`${name}: ${value}`);
	});
	return out.join("\n");
}

const json = (bearer: string, body: unknown, method = "POST"): RequestInit => ({
	method,
	headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), "content-type": "application/json" },
	body: JSON.stringify(body),
});

beforeAll(async () => {
	workDir = await mkdtemp(join(tmpdir(), "arcnet-secrets-"));
	fake = await startFakeOpenAI({ models: [MODEL], tokenDelayMs: 1 });
	collector = createServer((req, res) => {
		let text = "";
		req.on("data", (chunk: Buffer) => {
			text += chunk.toString();
		});
		req.on("end", () => {
			spanBodies.push(text);
			res.writeHead(200).end("{}");
		});
	});
	const receiving = collector;
	await new Promise<void>((resolve) => receiving.listen(0, "127.0.0.1", resolve));
	const otlpUrl = `http://127.0.0.1:${(receiving.address() as AddressInfo).port}`;
	edge = await startMiniflareEdge({ persistDir: join(workDir, "state"), migrate: true });
	secrets.set("ARCNET_DEV_API_KEY", edge.devApiKey);
	secrets.set("ARCNET_ADMIN_KEY", edge.adminKey);
	const stateDir = join(workDir, "agent");
	agent = await spawnAgent(edge, {
		name: "secrets-agent",
		zoneId: ZONE,
		stateDir,
		backend: { kind: "openai", url: fake.url },
		slots: 2,
		onLine: (line) => agentLogs.push(line),
		extraArgs: ["--otlp-endpoint", otlpUrl],
	});
	const identity = JSON.parse(readFileSync(join(stateDir, "identity.json"), "utf8")) as {
		nodeId: string;
		privateJwk: Record<string, string>;
		audience: string;
	};
	secrets.set("agent private key", identity.privateJwk.d ?? "");
	await waitForModel(edge, MODEL, 60_000);

	// Enrollment driven by hand, then replayed (the error path must not echo the token).
	const { token } = await createEnrollmentToken(edge, ZONE, { note: "secrets test" });
	secrets.set("enrollment token", token);
	const { publicKey } = generateKeyPairSync("ed25519");
	const jwk = publicKey.export({ format: "jwk" });
	const enroll = { token, name: "by-hand", publicKeyJwk: { kty: "OKP", crv: "Ed25519", x: jwk.x }, agentVersion: "0" };
	expect((await record("/agent/v1/enroll", json("", enroll))).status).toBe(201);
	expect((await record("/agent/v1/enroll", json("", enroll))).status).toBe(401);

	// A valid agent JWT, and a forged one.
	const now = Math.floor(Date.now() / 1000);
	const claims = { iss: identity.nodeId, sub: identity.nodeId, aud: identity.audience, iat: now, exp: now + 60 };
	const agentJwt = signJwt(identity.privateJwk, { ...claims, jti: randomUUID() }, identity.nodeId);
	secrets.set("agent JWT", agentJwt);
	expect((await record("/agent/v1/whoami", { headers: { authorization: `Bearer ${agentJwt}` } })).status).toBe(200);
	const other = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }) as Record<string, string>;
	const forged = signJwt(other, { ...claims, jti: randomUUID() }, identity.nodeId);
	secrets.set("forged JWT", forged);
	expect((await record("/agent/v1/whoami", { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);

	// Client calls: JSON, SSE, a bad key, a bad body.
	const chat = { model: MODEL, messages: [{ role: "user", content: PROMPT }] };
	expect((await record("/v1/chat/completions", json(edge.devApiKey, chat))).status).toBe(200);
	expect((await record("/v1/chat/completions", json(edge.devApiKey, { ...chat, stream: true }))).status).toBe(200);
	expect((await record("/v1/models", { headers: { authorization: `Bearer ${edge.devApiKey}x` } })).status).toBe(401);
	// A malformed traceparent is logged by its fault, never its value (here, a key sent by mistake).
	const misplaced = {
		...json(edge.devApiKey, chat),
		headers: { ...json(edge.devApiKey, chat).headers, traceparent: edge.devApiKey },
	};
	expect((await record("/v1/chat/completions", misplaced)).status).toBe(200);
	expect((await record("/v1/chat/completions", json(edge.devApiKey, { model: 1 }))).status).toBe(400);

	// A tenant API key: created (shown once, so that answer is scanned only for the key's hash), used, listed, revoked.
	const created = await fetch(`${edge.url}/admin/v1/keys`, {
		...json(edge.adminKey, { tenantId: "tenant_dev", name: "secrets test", scopes: ["inference"] }),
		signal: AbortSignal.timeout(15_000),
	});
	const createdText = await created.text();
	expect(created.status, createdText).toBe(201);
	const tenantKey = JSON.parse(createdText) as { key: string; id: string };
	secrets.set("tenant API key", tenantKey.key);
	expect(createdText).not.toContain(sha256(tenantKey.key));
	await record("/v1/models", { headers: { authorization: `Bearer ${tenantKey.key}` } });
	await record("/v1/chat/completions", json(tenantKey.key, chat));
	expect((await record("/admin/v1/keys", { headers: { authorization: `Bearer ${edge.adminKey}` } })).status).toBe(200);
	await record(`/admin/v1/keys/${tenantKey.id}/revoke`, json(edge.adminKey, {}));
	await record("/v1/models", { headers: { authorization: `Bearer ${tenantKey.key}` } });

	// Admin calls and a wrong admin key.
	for (const path of ["/admin/v1/nodes", "/admin/v1/zones", "/admin/v1/tenants"]) {
		expect((await record(path, { headers: { authorization: `Bearer ${edge.adminKey}` } })).status).toBe(200);
	}
	expect((await record("/admin/v1/nodes", { headers: { authorization: `Bearer ${edge.devApiKey}` } })).status).toBe(
		401,
	);
}, 240_000);

afterAll(async () => {
	await agent?.stop(15_000);
	await edge?.stop();
	await fake?.close();
	await new Promise((resolve) => (collector ? collector.close(resolve) : resolve(undefined)));
	if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe("secrets never leave the system", () => {
	it("captured responses and the Worker's and agent's logs", () => {
		expect(responses.length).toBeGreaterThan(10);
		expect(edge?.logs().length ?? 0).toBeGreaterThan(0);
		expect(agentLogs.length).toBeGreaterThan(0);
	});

	it("shows no secret, and no SHA-256 of one, in any response or log line", () => {
		const token = secrets.get("enrollment token") ?? "";
		// The token is shown once, by design, in the answer that minted it (made by the harness, not recorded here).
		const texts = [...responses, ...(edge?.logs() ?? []), ...agentLogs];
		for (const [name, value] of secrets) {
			expect(value.length, name).toBeGreaterThan(8);
			for (const needle of [value, sha256(value)]) {
				const hit = texts.find((t) => t.includes(needle));
				expect(hit, `${name} appears in: ${hit?.slice(0, 200)}`).toBeUndefined();
			}
		}
		expect(token).toMatch(/^enr_/);
	});

	it("shows nothing shaped like a JWT in any response or log line", () => {
		const hit = [...responses, ...(edge?.logs() ?? []), ...agentLogs, ...spanBodies].find((t) => JWT_SHAPE.test(t));
		expect(hit?.slice(0, 200)).toBeUndefined();
	});

	it("writes the Worker's lines as JSON with the job's ids, and neither logs nor spans hold a prompt or an output", async () => {
		await waitFor(
			"the agent's spans",
			async () => {
				if (spanBodies.length > 0) return spanBodies.length;
				throw new Error(`no span export yet; ${agentLogs.filter((l) => /span|otlp|job ended/.test(l)).join(" | ")}`);
			},
			{ timeoutMs: 10_000, intervalMs: 200 },
		);
		const jsonLines = (edge?.logs() ?? []).filter((l) => l.includes('{"level":'));
		const records = jsonLines.map((l) => JSON.parse(l.slice(l.indexOf('{"level":'))) as Record<string, unknown>);
		const answered = records.filter((r) => r.event === "job_answered");
		expect(answered.length).toBeGreaterThanOrEqual(3);
		for (const r of answered) {
			expect(r).toMatchObject({
				zone: ZONE,
				tenant: expect.any(String),
				trace: expect.stringMatching(/^[0-9a-f]{32}$/),
			});
			expect(String(r.job)).toMatch(/^job_/);
		}
		expect(records.some((r) => r.event === "traceparent_invalid")).toBe(true);
		const texts = [...(edge?.logs() ?? []), ...agentLogs, ...spanBodies];
		// The fake backend answers "Echo: " and the prompt, so the prompt's words find an output too.
		const hit = texts.find((t) => t.includes(PROMPT));
		expect(hit?.slice(0, 200)).toBeUndefined();
		for (const name of ["content", "messages", "prompt"]) {
			expect(spanBodies.join("\n")).not.toContain(`"${name}"`);
		}
	});
});
