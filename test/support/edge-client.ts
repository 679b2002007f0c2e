/**
 * Small HTTP helpers against a running edge, shared by the end-to-end tests,
 * the benchmark and `npm run dev`: mint an enrollment token with the admin
 * key, and wait until the router can see a model (zones appear a second or
 * two after an agent's first poll, once the zone's status reaches D1 and the
 * Worker's cache).
 */
import { z } from "zod";
import { waitFor } from "./wait.js";

/** Where the edge is and the keys to talk to it. */
export interface EdgeEndpoint {
	url: string;
	devApiKey: string;
	adminKey: string;
}

const enrollmentTokenSchema = z.object({
	id: z.string(),
	token: z.string().min(16),
	zoneId: z.string(),
	expiresAt: z.union([z.number(), z.string()]),
});
export type EnrollmentToken = z.infer<typeof enrollmentTokenSchema>;

const modelListSchema = z.object({ data: z.array(z.object({ id: z.string() })) });

/** Mints a one-time enrollment token for `zoneId` (ttl default: the edge's). */
export async function createEnrollmentToken(
	edge: EdgeEndpoint,
	zoneId: string,
	options: { ttlSeconds?: number; note?: string } = {},
): Promise<EnrollmentToken> {
	const res = await fetch(`${edge.url}/admin/v1/enrollment-tokens`, {
		method: "POST",
		headers: { authorization: `Bearer ${edge.adminKey}`, "content-type": "application/json" },
		body: JSON.stringify({ zoneId, ...options }),
		signal: AbortSignal.timeout(15_000),
	});
	const text = await res.text();
	if (!res.ok) throw new Error(`POST /admin/v1/enrollment-tokens for ${zoneId}: ${res.status} ${text}`);
	return enrollmentTokenSchema.parse(JSON.parse(text));
}

/** The model ids GET /v1/models lists right now. */
export async function listModels(edge: EdgeEndpoint): Promise<string[]> {
	const res = await fetch(`${edge.url}/v1/models`, {
		headers: { authorization: `Bearer ${edge.devApiKey}` },
		signal: AbortSignal.timeout(10_000),
	});
	const text = await res.text();
	if (!res.ok) throw new Error(`GET /v1/models: ${res.status} ${text}`);
	return modelListSchema.parse(JSON.parse(text)).data.map((m) => m.id);
}

/** Waits until GET /v1/models lists `model` (default timeout 30 s). */
export async function waitForModel(edge: EdgeEndpoint, model: string, timeoutMs = 30_000): Promise<void> {
	await waitFor(
		`model ${model} in GET /v1/models`,
		async () => {
			const models = await listModels(edge);
			if (models.includes(model)) return true;
			throw new Error(`listed: [${models.join(", ")}]`);
		},
		{ timeoutMs, intervalMs: 250 },
	);
}

/** POSTs a chat completion body with the dev API key and returns the raw response. */
export function postChatCompletion(
	edge: EdgeEndpoint,
	body: Record<string, unknown>,
	headers: Record<string, string> = {},
): Promise<Response> {
	return postEndpoint(edge, "chat/completions", body, headers);
}

/** POSTs a body to /v1/`endpoint` with the dev API key and returns the raw response. */
export function postEndpoint(
	edge: EdgeEndpoint,
	endpoint: string,
	body: Record<string, unknown>,
	headers: Record<string, string> = {},
): Promise<Response> {
	return fetch(`${edge.url}/v1/${endpoint}`, {
		method: "POST",
		headers: { authorization: `Bearer ${edge.devApiKey}`, "content-type": "application/json", ...headers },
		body: JSON.stringify(body),
		signal: AbortSignal.timeout(60_000),
	});
}
