/**
 * The OpenAPI document: served at GET /v1/openapi.json without a key, equal
 * to the committed docs/openapi.json (`npm run openapi` regenerates it), and
 * naming exactly the client API's routes.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import committed from "../../docs/openapi.json";
import { createApp } from "../../src/app.js";
import { openApiDocument } from "../../src/openai/openapi.js";

/** `METHOD /path/{param}` for each handler route of the app under /v1 (Hono's `:id{.+}` as `{id}`). */
function appOperations(): string[] {
	const operations = createApp()
		.routes.filter((r) => r.path.startsWith("/v1/") && r.method !== "ALL")
		.map((r) => `${r.method} ${r.path.replace(/\/$/, "").replace(/:(\w+)(\{[^}]*\})?/g, "{$1}")}`);
	return [...new Set(operations)].sort();
}

function documentOperations(document: Record<string, unknown>): string[] {
	const paths = document.paths as Record<string, Record<string, unknown>>;
	return Object.entries(paths)
		.flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
		.sort();
}

describe("the OpenAPI document", () => {
	it("is an OpenAPI 3.1 document, served without an API key", async () => {
		const res = await exports.default.fetch("http://edge/v1/openapi.json");
		expect(res.status).toBe(200);
		const served = (await res.json()) as Record<string, unknown>;
		expect(served.openapi).toBe("3.1.0");
		expect(served).toEqual(openApiDocument());
	});

	it("matches the committed docs/openapi.json (run npm run openapi after changing a route or schema)", () => {
		expect(committed).toEqual(openApiDocument());
	});

	it("names every route of the client API, and no other", () => {
		expect(documentOperations(openApiDocument())).toEqual(appOperations());
	});

	it("describes request bodies from the routes' zod schemas", () => {
		const paths = openApiDocument().paths as Record<string, Record<string, { requestBody?: unknown }>>;
		const chat = JSON.stringify(paths["/v1/chat/completions"]?.post?.requestBody);
		expect(chat).toContain('"messages"');
		expect(chat).toContain('"maxItems":256');
		const job = JSON.stringify(paths["/v1/jobs"]?.post?.requestBody);
		expect(job).toContain('"webhook"');
	});
});
