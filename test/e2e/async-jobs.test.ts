/**
 * Async jobs end to end: the production bundle under Miniflare, a real agent
 * against the fake OpenAI server, and a loopback webhook receiver that fails
 * its first delivery, so the zone's alarm must retry. The receiver checks the
 * Standard Webhooks signature with the client's secret.
 */
import { createHmac } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnAgent } from "../support/agent-process.js";
import { waitForModel } from "../support/edge-client.js";
import { expectedCompletion, type FakeOpenAIServer, startFakeOpenAI } from "../support/fake-openai-server.js";
import type { ManagedProcess } from "../support/managed-process.js";
import { type MiniflareEdge, startMiniflareEdge } from "../support/miniflare-edge.js";
import { waitFor } from "../support/wait.js";

const MODEL = "llama-3.1-8b-instruct";
const SECRET = "e2e-webhook-secret-0123456789";

let workDir = "";
let fake: FakeOpenAIServer | undefined;
let edge: MiniflareEdge | undefined;
let agent: ManagedProcess | undefined;
let receiver: Server | undefined;
const deliveries: { headers: IncomingHttpHeaders; body: string; status: number }[] = [];

beforeAll(async () => {
	workDir = await mkdtemp(join(tmpdir(), "arcnet-async-e2e-"));
	fake = await startFakeOpenAI({ models: [MODEL], tokenDelayMs: 1 });
	receiver = createServer((req, res) => {
		let body = "";
		req.on("data", (chunk: Buffer) => {
			body += chunk.toString();
		});
		req.on("end", () => {
			// The first delivery fails: the zone must retry it.
			const status = deliveries.length === 0 ? 500 : 200;
			deliveries.push({ headers: req.headers, body, status });
			res.writeHead(status).end();
		});
	});
	await new Promise<void>((resolve) => receiver?.listen(0, "127.0.0.1", resolve));
	edge = await startMiniflareEdge({
		persistDir: join(workDir, "state"),
		vars: { WEBHOOK_ALLOW_LOOPBACK_HTTP: "true" },
	});
	agent = await spawnAgent(edge, {
		name: "async-e2e",
		zoneId: "eu-stockholm",
		stateDir: join(workDir, "agent"),
		backend: { kind: "openai", url: fake.url },
		slots: 2,
	});
	await waitForModel(edge, MODEL, 45_000);
}, 180_000);

afterAll(async () => {
	await agent?.stop(15_000);
	await edge?.stop();
	await fake?.close();
	receiver?.close();
	if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe("async jobs end to end", () => {
	it("runs a job, answers GET with the backend's output, and delivers a signed webhook after a failed try", async () => {
		if (!edge || !receiver) throw new Error("harness did not start");
		const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
		const messages = [{ role: "user" as const, content: "one two three four five" }];
		const res = await fetch(`${edge.url}/v1/jobs`, {
			method: "POST",
			headers: { authorization: `Bearer ${edge.devApiKey}`, "content-type": "application/json" },
			body: JSON.stringify({ request: { model: MODEL, messages }, webhook: { url: hook, secret: SECRET } }),
		});
		expect(res.status, await res.clone().text()).toBe(202);
		const { id } = (await res.json()) as { id: string };
		const status = async () =>
			(await fetch(`${edge?.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${edge?.devApiKey}` } })).text();
		await waitFor("the job to succeed", async () => ((await status()).includes('"succeeded"') ? true : undefined), {
			timeoutMs: 20_000,
		}).catch(async (err: unknown) => {
			console.error(await status(), edge?.logs().slice(-80).join("\n"));
			throw err;
		});
		await waitFor("two webhook deliveries", async () => (deliveries.length >= 2 ? true : undefined), {
			timeoutMs: 30_000,
			intervalMs: 100,
		}).catch((err: unknown) => {
			console.error(deliveries, edge?.logs().slice(-80).join("\n"));
			throw err;
		});
		const [failed, delivered] = deliveries;
		expect(failed?.status).toBe(500);
		expect(delivered?.headers["webhook-id"]).toBe(failed?.headers["webhook-id"]);
		const signed = `${delivered?.headers["webhook-id"]}.${delivered?.headers["webhook-timestamp"]}.${delivered?.body}`;
		expect(delivered?.headers["webhook-signature"]).toBe(
			`v1,${createHmac("sha256", SECRET).update(signed).digest("base64")}`,
		);
		const expected = expectedCompletion(messages);
		const payload = JSON.parse(delivered?.body ?? "{}");
		expect(payload).toMatchObject({ id, object: "job", status: "succeeded" });
		expect(payload.result.choices[0].message.content).toBe(expected.content);
		expect(JSON.stringify(payload)).not.toContain(SECRET);
		const got = await fetch(`${edge.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${edge.devApiKey}` } });
		expect(await got.json()).toEqual(payload);
	}, 60_000);
});
