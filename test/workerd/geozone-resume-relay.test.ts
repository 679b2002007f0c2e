/**
 * The Worker's side of a zone restart: a client's request whose job stream
 * breaks is re-attached with `resume`, so the client sees every delta exactly
 * once, or an OpenAI-shaped error when the job cannot be resumed. The restart
 * is ctx.abort() on the zone's object (see geozone-resume.test.ts for why).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { agentCall, call, chatBody, DEV_KEY, type TestNode } from "./edge-fixtures.js";
import { liveZone, type PolledJob, pollJob } from "./routing-fixtures.js";

const ZONE = "eu-frankfurt";

async function restartZone(): Promise<void> {
	const stub = env.GEOZONE.getByName(ZONE);
	await runInDurableObject(stub, (_i, state) => state.abort("test: zone restart")).catch(() => undefined);
}

async function post(node: TestNode, job: PolledJob, events: unknown[]): Promise<void> {
	const res = await agentCall(node, `/jobs/${job.jobId}/events`, { leaseId: job.leaseId, events });
	expect(res.status, await res.clone().text()).toBe(200);
}

const delta = (seq: number, text: string) => ({ seq, type: "delta", text });
const done = (seq: number) => ({
	seq,
	type: "done",
	finishReason: "stop",
	usage: { prompt_tokens: 3, completion_tokens: seq },
});

/** Reads an SSE body event by event; `until` stops once the content so far satisfies it. */
async function readSse(reader: ReadableStreamDefaultReader<Uint8Array>, until: (content: string) => boolean) {
	const decoder = new TextDecoder();
	let buffered = "";
	let content = "";
	const payloads: unknown[] = [];
	while (!until(content)) {
		const { value, done: ended } = await reader.read();
		if (ended) break;
		buffered += decoder.decode(value, { stream: true });
		let end = buffered.indexOf("\n\n");
		while (end >= 0) {
			const data = buffered.slice(0, end).replace(/^data: /, "");
			buffered = buffered.slice(end + 2);
			const payload = data === "[DONE]" ? data : JSON.parse(data);
			payloads.push(payload);
			const choice = (payload as { choices?: { delta?: { content?: string } }[] }).choices?.[0];
			content += choice?.delta?.content ?? "";
			end = buffered.indexOf("\n\n");
		}
	}
	return { content, payloads };
}

describe("the Worker re-attaches to a job whose zone restarted", () => {
	let node: TestNode;

	beforeAll(async () => {
		node = await liveZone(ZONE);
	});

	it("streams every delta exactly once and in order across the restart", async () => {
		const pending = call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: chatBody({ stream: true }) });
		const job = await pollJob(node);
		await post(node, job, [delta(0, "Hello"), delta(1, ", ")]);
		const res = await pending;
		expect(res.status).toBe(200);
		const reader = res.body?.getReader();
		if (!reader) throw new Error("expected a body");
		const first = await readSse(reader, (c) => c === "Hello, ");
		expect(first.content).toBe("Hello, ");

		await restartZone();
		await post(node, job, [delta(2, "wor")]);
		await post(node, job, [delta(3, "ld"), done(4)]);

		const rest = await readSse(reader, () => false);
		expect(first.content + rest.content).toBe("Hello, world");
		expect(rest.payloads.at(-1)).toBe("[DONE]");
		expect(rest.payloads.some((p) => typeof p === "object" && p !== null && "error" in p)).toBe(false);
	});

	it("answers a non-streaming request whose zone restarted before the first token", async () => {
		const pending = call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: chatBody() });
		const job = await pollJob(node);
		await restartZone();
		await post(node, job, [delta(0, "Still"), delta(1, " here"), done(2)]);
		const res = await pending;
		expect(res.status).toBe(200);
		const body = (await res.json()) as { choices: { message: { content: string } }[] };
		expect(body.choices[0]?.message.content).toBe("Still here");
	});

	it("ends the stream with an OpenAI error event when the job cannot be resumed, never a silent cut", async () => {
		const pending = call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: chatBody({ stream: true }) });
		const job = await pollJob(node);
		await post(node, job, [delta(0, "Partial")]);
		const reader = (await pending).body?.getReader();
		if (!reader) throw new Error("expected a body");
		await readSse(reader, (c) => c === "Partial");
		// The zone forgets the job (as a purge would), then restarts: resume finds nothing.
		await runInDurableObject(env.GEOZONE.getByName(ZONE), (_i, state) => {
			state.storage.sql.exec("DELETE FROM jobs WHERE job_id = ?", job.jobId);
		});
		await restartZone();

		const rest = await readSse(reader, () => false);
		expect(rest.content).toBe("");
		const last = rest.payloads.at(-1) as { error?: { message: string; type: string; code: string | null } };
		expect(last.error).toMatchObject({ type: "upstream_error", code: "backend_error" });
		expect(last.error?.message).toMatch(/could not be resumed/);
	});
});
