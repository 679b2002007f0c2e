/**
 * Property-based hostile input (fast-check, seeded so a failure reproduces):
 * random JSON, wrong types, unicode, random headers and garbage JWTs sent to
 * every client, agent and admin endpoint. The answer is always a 4xx in the
 * OpenAI error shape, never a 5xx, and D1 and the zone summary are unchanged.
 */
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { chatCompletionRequestSchema } from "../../src/protocol/openai.js";
import { ADMIN_KEY, DEV_KEY, enrollNode, signAgentJwt, type TestNode } from "./edge-fixtures.js";

const ZONE = "us-oregon";
const RUNS = 100;
const SEED = 20261123;

interface Target {
	method: string;
	path: string;
}

const CLIENT: Target[] = [
	{ method: "POST", path: "/v1/chat/completions" },
	{ method: "GET", path: "/v1/models" },
	{ method: "POST", path: "/v1/jobs" },
	{ method: "GET", path: "/v1/jobs/job_fuzz00000000000000000000" },
	{ method: "DELETE", path: "/v1/jobs/job_fuzz00000000000000000000" },
];
const AGENT: Target[] = [
	{ method: "POST", path: "/agent/v1/poll" },
	{ method: "POST", path: "/agent/v1/jobs/job_fuzz00000000000000000000/events" },
	{ method: "POST", path: "/agent/v1/jobs/release" },
	{ method: "POST", path: "/agent/v1/telemetry" },
	{ method: "POST", path: "/agent/v1/keys/rotate" },
	{ method: "GET", path: "/agent/v1/whoami" },
];
const ADMIN: Target[] = [
	{ method: "POST", path: "/admin/v1/enrollment-tokens" },
	{ method: "GET", path: "/admin/v1/nodes" },
	{ method: "POST", path: "/admin/v1/nodes/node_fuzz0000000000000000/revoke" },
	{ method: "POST", path: "/admin/v1/zones" },
	{ method: "PATCH", path: "/admin/v1/zones/fuzz-zone" },
	{ method: "GET", path: "/admin/v1/tenants" },
	{ method: "PATCH", path: "/admin/v1/tenants/tenant_fuzz" },
	{ method: "GET", path: "/admin/v1/keys" },
	{ method: "POST", path: "/admin/v1/keys" },
	{ method: "POST", path: "/admin/v1/keys/key_fuzz0000000000000000/revoke" },
];

/** Every D1 table's rows plus the zone summary, as one comparable string; `events`, the operators' log of refused keys and the like, is meant to grow. */
async function snapshot(): Promise<string> {
	const tables = await env.DB.prepare(
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'events' ORDER BY name",
	).all<{ name: string }>();
	const parts: unknown[] = [];
	for (const { name } of tables.results) {
		parts.push(name, (await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results);
	}
	const summary = await env.GEOZONE.getByName(ZONE).summary(ZONE);
	// updatedAt is when the summary was computed, not state.
	parts.push({ ...summary, updatedAt: undefined });
	return JSON.stringify(parts);
}

async function expectRefusal(res: Response, label: string): Promise<void> {
	const text = await res.text();
	expect(res.status, `${label}: ${text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
	expect(res.status, `${label}: ${text.slice(0, 300)}`).toBeLessThan(500);
	const body = JSON.parse(text) as { error: Record<string, unknown> };
	expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
	expect(typeof body.error.message).toBe("string");
}

/** Bodies that are never a valid request: random JSON, raw garbage, or a valid body with one field made wrong. */
const badBody = fc.oneof(
	fc.jsonValue().map((v) => JSON.stringify(v)),
	fc.string({ unit: "binary", maxLength: 300 }),
	fc
		.record({
			field: fc.constantFrom("model", "messages", "max_tokens", "maxJobs", "events", "leaseId", "zoneId", "name"),
			value: fc.oneof(fc.string({ unit: "grapheme" }), fc.integer(), fc.constant(null), fc.array(fc.anything())),
		})
		.map(({ field, value }) => JSON.stringify({ [field]: value, junk: true })),
);
const contentType = fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "");
const garbageJwt = fc.oneof(
	fc.string({ maxLength: 200 }),
	fc
		.tuple(fc.base64String({ maxLength: 80 }), fc.base64String({ maxLength: 80 }), fc.base64String({ maxLength: 80 }))
		.map((p) => p.join(".")),
	fc
		.record({ alg: fc.constantFrom("none", "HS256", "RS256", "EdDSA"), kid: fc.string({ maxLength: 40 }) })
		.map((h) => `${btoa(JSON.stringify(h)).replaceAll("=", "")}.e30.`),
);
const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,30}$/);
const headerValue = fc.stringMatching(/^[ -~]{0,100}$/);

function send(target: Target, headers: Record<string, string>, body: string): Promise<Response> {
	const hasBody = target.method !== "GET";
	return exports.default.fetch(`http://edge${target.path}`, {
		method: target.method,
		headers,
		...(hasBody ? { body } : {}),
	});
}

describe("fuzzing every endpoint with hostile input", () => {
	let node: TestNode;
	let before = "";
	beforeAll(async () => {
		node = await enrollNode(ZONE);
		before = await snapshot();
	});

	it("answers malformed bodies with a 4xx error and no change of state, authenticated or not", async () => {
		const targets = [...CLIENT, ...AGENT, ...ADMIN].filter((t) => t.method === "POST" || t.method === "PATCH");
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom(...targets),
				badBody,
				contentType,
				fc.dictionary(headerName, headerValue, { maxKeys: 4 }),
				async (target, body, type, extra) => {
					let parsed: unknown;
					try {
						parsed = JSON.parse(body);
					} catch {
						parsed = undefined;
					}
					fc.pre(!chatCompletionRequestSchema.safeParse(parsed).success);
					const bearer = target.path.startsWith("/agent/")
						? await signAgentJwt(node)
						: target.path.startsWith("/admin/")
							? ADMIN_KEY
							: DEV_KEY;
					const headers: Record<string, string> = { ...extra, authorization: `Bearer ${bearer}` };
					if (type) headers["content-type"] = type;
					await expectRefusal(
						await send(target, headers, body),
						`${target.method} ${target.path} ${body.slice(0, 80)}`,
					);
				},
			),
			{ numRuns: RUNS * 2, seed: SEED },
		);
		expect(await snapshot()).toBe(before);
	});

	it("answers garbage credentials on every endpoint with 401 and no change of state", async () => {
		await fc.assert(
			fc.asyncProperty(fc.constantFrom(...CLIENT, ...AGENT, ...ADMIN), garbageJwt, async (target, token) => {
				const res = await send(target, { authorization: `Bearer ${token}`, "content-type": "application/json" }, "{}");
				await expectRefusal(res, `${target.method} ${target.path} with ${JSON.stringify(token).slice(0, 80)}`);
			}),
			{ numRuns: RUNS, seed: SEED },
		);
		expect(await snapshot()).toBe(before);
	});

	it("answers random paths and methods with a 4xx, never a 5xx", async () => {
		const segment = fc.stringMatching(/^[A-Za-z0-9._~%-]{1,20}$/);
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom("/v1/", "/agent/v1/", "/admin/v1/", "/", "/healthz/"),
				fc.array(segment, { minLength: 1, maxLength: 4 }),
				fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH"),
				fc.constantFrom(DEV_KEY, ADMIN_KEY, "nope"),
				async (prefix, segments, method, key) => {
					const path = `${prefix}${segments.join("/")}`;
					fc.pre(
						!["/v1/models", "/agent/v1/whoami", "/admin/v1/nodes", "/admin/v1/zones", "/admin/v1/tenants"].includes(
							path,
						),
					);
					const res = await send({ method, path }, { authorization: `Bearer ${key}` }, "{}");
					await expectRefusal(res, `${method} ${path}`);
				},
			),
			{ numRuns: RUNS, seed: SEED },
		);
		expect(await snapshot()).toBe(before);
	});

	it("answers /healthz whatever the headers, and never with a 5xx", async () => {
		await fc.assert(
			fc.asyncProperty(fc.dictionary(headerName, headerValue, { maxKeys: 8 }), async (headers) => {
				const res = await exports.default.fetch("http://edge/healthz", { headers });
				expect(res.status).toBe(200);
			}),
			{ numRuns: RUNS, seed: SEED },
		);
	});
});
