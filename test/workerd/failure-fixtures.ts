/**
 * Helpers of the failure-semantics tests: a zone with two live nodes, posting
 * events as a node, lapsing leases by running the zone's alarm, and reading
 * an SSE body into its content and payloads.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { agentCall, enrollNode, pollBody, type TestNode } from "./edge-fixtures.js";
import { liveZone, type PolledJob } from "./routing-fixtures.js";

/** Two live nodes of `zoneId`. */
export async function twoNodeZone(zoneId: string): Promise<[TestNode, TestNode]> {
	const first = await liveZone(zoneId);
	const second = await enrollNode(zoneId);
	expect((await agentCall(second, "/poll", pollBody())).status).toBe(200);
	return [first, second];
}

/** Posts events as `node` under `job`'s lease and returns the response. */
export function postEvents(node: TestNode, job: PolledJob, events: unknown[]): Promise<Response> {
	return agentCall(node, `/jobs/${job.jobId}/events`, { leaseId: job.leaseId, events });
}

/** A delta event. */
export const delta = (seq: number, text: string) => ({ seq, type: "delta", text });

/** A done event with `seq` completion tokens. */
export const done = (seq: number) => ({
	seq,
	type: "done",
	finishReason: "stop",
	usage: { prompt_tokens: 3, completion_tokens: seq },
});

/** Lapses every lease of the zone and runs its alarm, as if its nodes had fallen silent. */
export async function lapseLeases(zoneId: string): Promise<void> {
	const stub = env.GEOZONE.getByName(zoneId);
	await runInDurableObject(stub, (_i, state) => {
		state.storage.sql.exec("UPDATE jobs SET lease_expires_at = 1 WHERE status IN ('leased', 'running')");
	});
	expect(await runDurableObjectAlarm(stub)).toBe(true);
}

/** An SSE body's content and its payloads (`[DONE]` kept as a string). */
export function parseSse(body: string): { content: string; payloads: unknown[] } {
	const payloads = body
		.split("\n\n")
		.filter((block) => block.startsWith("data: "))
		.map((block) => block.slice("data: ".length))
		.map((data) => (data === "[DONE]" ? data : JSON.parse(data)));
	const content = payloads
		.map((p) => (p as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content ?? "")
		.join("");
	return { content, payloads };
}
