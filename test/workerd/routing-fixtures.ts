/**
 * Helpers for the routing tests: zones made live by a real enrolled node
 * (whose GeozoneDO alarm publishes zone_status), requests carrying
 * `x-arcnet-*` headers and a `cf` client location, and a node answering the
 * one job it is handed. Also a DirectoryZone builder for the pure tests.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { DirectoryZone } from "../../src/routing/zone-directory.js";
import { agentCall, chatBody, DEV_KEY, enrollNode, MODEL, pollBody, type TestNode } from "./edge-fixtures.js";

/** Frankfurt, as Cloudflare would put it in request.cf. */
export const FRANKFURT_CF = { latitude: "50.11", longitude: "8.68" };

/** Enrolls a node in `zoneId`, makes it live with one poll, and lets the zone publish its status. */
export async function liveZone(zoneId: string): Promise<TestNode> {
	const node = await enrollNode(zoneId);
	expect((await agentCall(node, "/poll", pollBody())).status).toBe(200);
	expect(await runDurableObjectAlarm(env.GEOZONE.getByName(zoneId))).toBe(true);
	return node;
}

/** Sends `node`'s telemetry with `modelDetails` (the endpoints it serves) and lets the zone publish it. */
export async function advertise(node: TestNode, models: string[], modelDetails: unknown[]): Promise<void> {
	const telemetry = {
		hardware: "simulated",
		gpus: [],
		host: { cpuPct: 1, memUsedBytes: 1, memTotalBytes: 2 },
		models,
		modelDetails,
		slots: 4,
		running: [],
		tokensPerSecond: 0,
		queueDepth: 0,
	};
	expect((await agentCall(node, "/telemetry", telemetry)).status).toBe(200);
	expect(await runDurableObjectAlarm(env.GEOZONE.getByName(node.zoneId))).toBe(true);
}

/** POSTs a chat completion with extra headers, a `cf` object, body fields and a signal that abandons it. */
export function complete(
	options: {
		headers?: Record<string, string>;
		cf?: Record<string, string>;
		body?: Record<string, unknown>;
		signal?: AbortSignal;
	} = {},
): Promise<Response> {
	const request = new Request("http://edge/v1/chat/completions", {
		method: "POST",
		headers: { "content-type": "application/json", authorization: `Bearer ${DEV_KEY}`, ...options.headers },
		body: JSON.stringify(chatBody(options.body)),
		...(options.cf ? { cf: options.cf } : {}),
		...(options.signal ? { signal: options.signal } : {}),
	});
	return exports.default.fetch(request);
}

/** One job as a node receives it. */
export interface PolledJob {
	jobId: string;
	leaseId: string;
}

/** Long-polls as `node` until a job arrives (at most `rounds` polls of up to 2 s; fails the test otherwise). */
export async function pollJob(node: TestNode, rounds = 5): Promise<PolledJob> {
	for (let i = 0; i < rounds; i++) {
		const res = await agentCall(node, "/poll", pollBody(2_000));
		const job = ((await res.json()) as { jobs: PolledJob[] }).jobs[0];
		if (job) return job;
	}
	throw new Error(`no job reached ${node.zoneId}`);
}

/** Answers `job` as `node` with "Hi" and done. */
export async function answer(node: TestNode, job: PolledJob): Promise<void> {
	const res = await agentCall(node, `/jobs/${job.jobId}/events`, {
		leaseId: job.leaseId,
		events: [
			{ seq: 0, type: "delta", text: "Hi" },
			{ seq: 1, type: "done", finishReason: "stop", usage: { prompt_tokens: 3, completion_tokens: 1 } },
		],
	});
	expect(res.status).toBe(200);
}

/** Fails `job` as `node` before any output with `code` (not retryable in the zone). */
export async function failBeforeOutput(node: TestNode, job: PolledJob, code: string): Promise<void> {
	const res = await agentCall(node, `/jobs/${job.jobId}/events`, {
		leaseId: job.leaseId,
		events: [{ seq: 0, type: "error", code, message: "inference server down", retryable: false }],
	});
	expect(res.status).toBe(200);
}

/** A directory zone for pure tests: live, serving MODEL, 4 free slots, no queue; override what matters. */
export function directoryZone(overrides: Partial<DirectoryZone> & { zoneId: string }): DirectoryZone {
	return {
		locationHint: "weur",
		lat: 50.11,
		lon: 8.68,
		regions: ["eu"],
		defaultGco2PerKwh: 300,
		liveNodes: 1,
		models: [MODEL],
		modelDetails: {},
		slots: 4,
		freeSlots: 4,
		queueDepth: 0,
		updatedAt: 1,
		queueWaitMs: 0,
		ttftMs: 0,
		gco2PerKwh: 300,
		carbonSource: "static",
		...overrides,
	};
}
