/**
 * Once output has started, a failure cannot be hidden by a retry (the client
 * has tokens of that attempt): it reaches a streaming client as an SSE error
 * event in OpenAI's error shape after the partial content, and a
 * non-streaming client as a JSON error with a 5xx status. Never a silent cut.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { TestNode } from "./edge-fixtures.js";
import { delta, lapseLeases, parseSse, postEvents, twoNodeZone } from "./failure-fixtures.js";
import { complete, pollJob } from "./routing-fixtures.js";

const ZONE = "eu-stockholm";

type ErrorPayload = { error: { message: string; type: string; param: string | null; code: string | null } };

describe("failure after output started", () => {
	let node: TestNode;

	beforeAll(async () => {
		[node] = await twoNodeZone(ZONE);
	});

	const streaming = { body: { stream: true }, headers: { "x-arcnet-regions": "se" } };

	it("ends the SSE stream with an OpenAI error event after the partial content when the node fails", async () => {
		const pending = complete(streaming);
		const job = await pollJob(node);
		const error = { seq: 1, type: "error", code: "backend_unreachable", message: "backend died", retryable: true };
		expect((await postEvents(node, job, [delta(0, "Half an")])).status).toBe(200);
		expect((await postEvents(node, job, [error])).status).toBe(200);

		const { content, payloads } = parseSse(await (await pending).text());
		expect(content).toBe("Half an");
		expect(payloads).not.toContain("[DONE]");
		const last = payloads.at(-1) as ErrorPayload;
		expect(last.error).toEqual({
			message: "backend died",
			type: "upstream_error",
			param: null,
			code: "backend_unreachable",
		});
	});

	it("ends the SSE stream with a lease_expired error event when the node goes silent mid-answer", async () => {
		const pending = complete(streaming);
		const job = await pollJob(node);
		expect((await postEvents(node, job, [delta(0, "Once")])).status).toBe(200);
		await lapseLeases(ZONE);

		const { content, payloads } = parseSse(await (await pending).text());
		expect(content).toBe("Once");
		expect((payloads.at(-1) as ErrorPayload).error).toMatchObject({ type: "upstream_error", code: "lease_expired" });
	});

	it("answers a non-streaming client with a JSON error, not a partial answer", async () => {
		const pending = complete({ headers: { "x-arcnet-regions": "se" } });
		const job = await pollJob(node);
		const error = { seq: 1, type: "error", code: "backend_error", message: "crashed", retryable: false };
		expect((await postEvents(node, job, [delta(0, "Partial"), error])).status).toBe(200);

		const res = await pending;
		expect(res.status).toBe(502);
		const body = (await res.json()) as ErrorPayload;
		expect(body.error).toMatchObject({ message: "crashed", type: "upstream_error", code: "backend_error" });
	});
});
