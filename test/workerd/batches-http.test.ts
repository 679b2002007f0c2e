/**
 * The Batch API over HTTP inside workerd (R2 and BatchStoreDO local): upload,
 * create, read back; the API key's model list applied per line; OpenAI-shaped
 * errors naming the field. The full run with an agent is test/e2e/batches-openai-sdk.test.ts.
 */
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createKey, createTenant } from "./api-key-fixtures.js";
import { MODEL } from "./edge-fixtures.js";

const TENANT = "tenant_batches";
let key = "";

function v1(path: string, init: RequestInit): Promise<Response> {
	return exports.default.fetch(`http://edge/v1${path}`, {
		...init,
		headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string> | undefined) },
	});
}

async function upload(text: string, purpose = "batch"): Promise<Response> {
	const form = new FormData();
	form.append("purpose", purpose);
	form.append("file", new File([text], "input.jsonl"));
	return v1("/files", { method: "POST", body: form });
}

function line(customId: string, model: string): string {
	return JSON.stringify({
		custom_id: customId,
		method: "POST",
		url: "/v1/chat/completions",
		body: { model, messages: [{ role: "user", content: "hi" }] },
	});
}

describe("Batch API over HTTP", () => {
	beforeAll(async () => {
		await createTenant(TENANT);
		key = (await createKey(TENANT, { scopes: ["jobs"], allowedModels: [MODEL] })).key;
	});

	it("stores a file in R2 and answers it, and its content, to its tenant only", async () => {
		const text = `${line("a", MODEL)}\n`;
		const res = await upload(text);
		expect(res.status).toBe(200);
		const file = (await res.json()) as { id: string; bytes: number; purpose: string };
		expect(file).toMatchObject({ object: "file", bytes: text.length, purpose: "batch", filename: "input.jsonl" });
		expect(await (await v1(`/files/${file.id}/content`, {})).text()).toBe(text);
		await createTenant("tenant_batches_other");
		const other = (await createKey("tenant_batches_other", { scopes: ["jobs"] })).key;
		const foreign = await exports.default.fetch(`http://edge/v1/files/${file.id}`, {
			headers: { authorization: `Bearer ${other}` },
		});
		expect(foreign.status).toBe(404);
		expect(await foreign.json()).toMatchObject({ error: { code: "file_not_found", param: "id" } });
	});

	it("sends a line whose model the key may not use to the error count, and runs the rest", async () => {
		const file = (await (await upload(`${line("ok", MODEL)}\n${line("no", "forbidden-model:70b")}\n`)).json()) as {
			id: string;
		};
		const res = await v1("/batches", {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" }),
		});
		expect(res.status).toBe(200);
		const batch = (await res.json()) as { id: string; status: string; request_counts: unknown };
		expect(batch).toMatchObject({
			object: "batch",
			status: "in_progress",
			request_counts: { total: 2, completed: 0, failed: 1 },
		});
		const read = (await (await v1(`/batches/${batch.id}`, {})).json()) as { id: string };
		expect(read.id).toBe(batch.id);
	});

	it("refuses a bad purpose, window and unknown field by name, in OpenAI's error shape", async () => {
		const bad = await upload(line("a", MODEL), "fine-tune");
		expect(bad.status).toBe(400);
		expect(await bad.json()).toMatchObject({ error: { param: "purpose", type: "invalid_request_error" } });
		const file = (await (await upload(line("a", MODEL))).json()) as { id: string };
		const window = await v1("/batches", {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "2d" }),
		});
		expect(window.status).toBe(400);
		expect(await window.json()).toMatchObject({
			error: { param: "completion_window", message: expect.stringContaining('"2d"') },
		});
		const extra = await v1("/batches", {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({
				input_file_id: file.id,
				endpoint: "/v1/chat/completions",
				completion_window: "24h",
				priority: 1,
			}),
		});
		expect(extra.status).toBe(400);
		expect(JSON.stringify(await extra.json())).toContain("priority");
	});
});
