/**
 * A streamed completion from the moment a zone accepts its job: the 200 SSE
 * headers go out at once (naming only the policy), and what happens before
 * the first output reaches the client inside the stream. A deadline or a zone
 * that empties is an OpenAI error event (the openai SDK throws it); a
 * hand-back to another zone is unnoticed, the final chunk naming where it ran;
 * a client that goes away (its body cancelled, as a failed write does under
 * local workerd) gets its job cancelled, its permit released and its
 * reservation refunded. Refusals before acceptance keep their status.
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import OpenAI from "openai";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ADMIN_KEY, call, chatBody, DEV_KEY, MODEL, type TestNode } from "./edge-fixtures.js";
import { parseSse } from "./failure-fixtures.js";
import { advertise, answer, complete, FRANKFURT_CF, liveZone, pollJob } from "./routing-fixtures.js";
import { loseEveryNode, passQueueDeadline, queuedJobIn } from "./zone-loss-fixtures.js";

const carbon = { "x-arcnet-policy": "carbon" };

async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
	const res = await call(method, `/admin/v1${path}`, { bearer: ADMIN_KEY, ...(body !== undefined ? { body } : {}) });
	if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
}

async function jobStatus(zoneId: string, jobId: string): Promise<string | undefined> {
	return runInDurableObject(
		env.GEOZONE.getByName(zoneId),
		(_i, s) =>
			s.storage.sql.exec<{ status: string }>("SELECT status FROM jobs WHERE job_id = ?", jobId).toArray()[0]?.status,
	);
}

describe("a streamed completion before its first output", () => {
	let stockholm: TestNode;
	let frankfurt: TestNode;
	let paris: TestNode;

	beforeAll(async () => {
		stockholm = await liveZone("eu-stockholm");
		frankfurt = await liveZone("eu-frankfurt");
		paris = await liveZone("eu-paris");
	});

	it("answers 200 once queued, and ends with a timeout error event at the queue deadline", async () => {
		const res = await complete({ headers: { "x-arcnet-regions": "fr" }, body: { stream: true } });
		// The job is still queued (no node polls): the headers did not wait for its output.
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
		expect(res.headers.get("x-arcnet-policy")).not.toBeNull();
		expect(res.headers.get("x-arcnet-zone")).toBeNull();
		expect(res.headers.get("x-arcnet-job-id")).toBeNull();
		await passQueueDeadline("eu-paris", await queuedJobIn("eu-paris"));
		const { payloads } = parseSse(await res.text());
		expect(payloads).toEqual([
			{
				error: { message: expect.stringContaining("queue"), type: "timeout", param: null, code: "timeout" },
				// Where the job was and its id, as the final chunk of an answer says them.
				arcnet: expect.objectContaining({ zone: "eu-paris", job_id: expect.stringMatching(/^job_/) }),
			},
		]);
	});

	it("does the same for a legacy streamed completion", async () => {
		// Routing follows the endpoints a node advertises: the Paris node takes legacy completions too.
		await advertise(paris, [MODEL], [{ model: MODEL, endpoints: ["chat/completions", "completions"] }]);
		const body = { model: MODEL, prompt: "Say hello", stream: true, arcnet: { regions: ["fr"] } };
		const res = await call("POST", "/v1/completions", { bearer: DEV_KEY, body });
		expect(res.status).toBe(200);
		await passQueueDeadline("eu-paris", await queuedJobIn("eu-paris"));
		const { payloads } = parseSse(await res.text());
		expect(payloads).toEqual([
			{
				error: expect.objectContaining({ type: "timeout", code: "timeout" }),
				arcnet: expect.objectContaining({ zone: "eu-paris" }),
			},
		]);
	});

	it("is an APIError from the openai SDK when the queue deadline passes", async () => {
		const client = new OpenAI({
			apiKey: DEV_KEY,
			baseURL: "http://edge/v1",
			maxRetries: 0,
			fetch: (url, init) => exports.default.fetch(String(url), init),
		});
		const stream = await client.chat.completions.create(
			{ model: MODEL, messages: [{ role: "user", content: "Say hello" }], stream: true },
			{ headers: { "x-arcnet-regions": "fr" } },
		);
		await passQueueDeadline("eu-paris", await queuedJobIn("eu-paris"));
		const read = async () => {
			for await (const _chunk of stream) {
				// no chunk comes before the error
			}
		};
		const error = await read().then(
			() => undefined,
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(OpenAI.APIError);
		expect(error).toMatchObject({ code: "timeout", type: "timeout" });
	});

	it("ends with a no_capacity error event when the zone empties and no other zone qualifies", async () => {
		const res = await complete({
			headers: { ...carbon, "x-arcnet-regions": "se" },
			cf: FRANKFURT_CF,
			body: { stream: true },
		});
		expect(res.status).toBe(200);
		await queuedJobIn("eu-stockholm");
		await loseEveryNode("eu-stockholm");
		const { payloads } = parseSse(await res.text());
		expect(payloads).toHaveLength(1);
		expect(payloads[0]).toMatchObject({ error: { type: "upstream_error", code: "no_capacity" } });
		// The zone is back for the next test.
		stockholm = await liveZone("eu-stockholm");
	});

	it("moves a handed-back job to the next zone with its headers already sent; the final chunk names that zone", async () => {
		const res = await complete({
			headers: { ...carbon, "x-arcnet-regions": "se,de" },
			cf: FRANKFURT_CF,
			body: { stream: true },
		});
		expect(res.status).toBe(200);
		const stranded = await queuedJobIn("eu-stockholm");
		await loseEveryNode("eu-stockholm");
		const moved = await pollJob(frankfurt);
		expect(moved.jobId).not.toBe(stranded);
		await answer(frankfurt, moved);
		const { content, payloads } = parseSse(await res.text());
		expect(content).toBe("Hi");
		expect(payloads.at(-1)).toBe("[DONE]");
		const final = payloads.at(-2) as { arcnet: { zone: string; node: string; job_id: string; route: string } };
		expect(final.arcnet).toMatchObject({ zone: "eu-frankfurt", node: frankfurt.nodeId, job_id: moved.jobId });
		expect(final.arcnet.route).toContain("refused=eu-stockholm:failed:no_capacity");
		expect(stockholm.zoneId).toBe("eu-stockholm");
	});

	it("keeps a refusal before any zone accepted the job as its HTTP status", async () => {
		const res = await complete({
			headers: { "x-arcnet-regions": "se" },
			body: { stream: true, model: "no-such-model" },
		});
		expect(res.status).toBe(404);
		expect(((await res.json()) as { error: { code: string } }).error.code).toBe("model_not_found");
	});

	it("cancels the queued job of a client that leaves, releases its permit and refunds its reservation", async () => {
		const tenant = await admin<{ id: string }>("POST", "/tenants", { name: "early sse", maxConcurrent: 1 });
		const { id: keyId, key } = await admin<{ id: string; key: string }>("POST", "/keys", {
			tenantId: tenant.id,
			name: "k",
			scopes: ["inference"],
		});
		const send = () =>
			exports.default.fetch("http://edge/v1/chat/completions", {
				method: "POST",
				headers: { "content-type": "application/json", authorization: `Bearer ${key}`, "x-arcnet-regions": "fr" },
				body: JSON.stringify(chatBody({ stream: true, max_tokens: 64 })),
			});
		const usage = () => admin<{ inFlight: number; tokensReservedToday: number }>("GET", `/keys/${keyId}/usage`);
		const res = await send();
		expect(res.status).toBe(200);
		const jobId = await queuedJobIn("eu-paris");
		expect(await usage()).toMatchObject({ inFlight: 1 });
		expect((await send()).status).toBe(429);

		// No request.signal here: the body's cancellation is what a failed keep-alive write does.
		await res.body?.cancel();
		await vi.waitFor(async () => expect(await jobStatus("eu-paris", jobId)).toBe("cancelled"), { timeout: 10_000 });
		await vi.waitFor(async () => expect(await usage()).toMatchObject({ inFlight: 0, tokensReservedToday: 0 }), {
			timeout: 10_000,
		});
		const next = await send();
		expect(next.status).toBe(200);
		await next.body?.cancel();
	});
});
