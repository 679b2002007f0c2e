/**
 * The work loop in process against the fake edge: a retried job leased back
 * to the same node while its first attempt is still posting its error, a
 * backend whose model list stops answering while a job waits for its first
 * token, and a backend that goes silent in the middle of a job.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createOpenAiBackend } from "../../node-agent/src/backends/openai-compatible.js";
import { type Backend, BackendError, type ChatPart } from "../../node-agent/src/backends/types.js";
import { EdgeClient } from "../../node-agent/src/edge-client.js";
import { createTokenSource } from "../../node-agent/src/jwt.js";
import { createLogger } from "../../node-agent/src/logger.js";
import { createSimulatedGpu } from "../../node-agent/src/telemetry/gpu-simulated.js";
import { createHostSampler } from "../../node-agent/src/telemetry/host.js";
import { WorkLoop, type WorkLoopOptions } from "../../node-agent/src/work-loop.js";
import type { LeasedJob } from "../../src/protocol/agent-wire.js";
import { FakeEdge, fakeIdentity, fakeJob, waitFor } from "./agent-fake-edge.js";

let edge: FakeEdge;
let backendServer: Server | undefined;
afterEach(async () => {
	await edge?.stop();
	backendServer?.closeAllConnections();
	await new Promise<void>((r) => (backendServer ? backendServer.close(() => r()) : r()));
	backendServer = undefined;
});

function loop(backend: Backend, logLines: Record<string, unknown>[], overrides: Partial<WorkLoopOptions> = {}) {
	return new WorkLoop({
		edge: new EdgeClient({ edgeUrl: edge.url, tokens: createTokenSource(fakeIdentity(edge)) }),
		backend,
		logger: createLogger({
			format: "json",
			level: "info",
			write: (line) => {
				logLines.push(JSON.parse(line) as Record<string, unknown>);
			},
		}),
		gpu: createSimulatedGpu(),
		host: createHostSampler(),
		slots: 2,
		pollWaitMs: 1000,
		telemetryIntervalMs: 1000,
		drainGraceMs: 5000,
		...overrides,
	});
}

/** A backend serving `sim-1` whose first answer to each prompt is a 503, as an overloaded server's would be. */
function overloadedOnceBackend(): Backend {
	const seen = new Set<string>();
	return {
		kind: "openai",
		listModels: async () => ["sim-1"],
		async *chat(_model, request): AsyncGenerator<ChatPart> {
			const prompt = JSON.stringify(request.messages);
			if (!seen.has(prompt)) {
				seen.add(prompt);
				throw new BackendError("backend_overloaded", "backend answered 503: busy", true);
			}
			yield { type: "delta", text: "hello" };
			yield { type: "done", finishReason: "stop", usage: { prompt_tokens: 2, completion_tokens: 1 } };
		},
	};
}

describe("agent leases", () => {
	it("runs a retried job leased back to it while the first attempt is still posting its error", async () => {
		edge = await new FakeEdge().start();
		const first = fakeJob(21);
		const second: LeasedJob = { ...first, attempt: 2, leaseId: "lease_fake00000000000000000021b" };
		// As the zone does: a retryable error re-queues the job and hands it to the node's open poll
		// before the answer to the error's post reaches the node.
		edge.state.onEvents = async (_jobId, leaseId, events) => {
			if (leaseId !== first.leaseId || !events.some((e) => e.type === "error")) return;
			edge.state.queue.push(second);
			edge.wake();
			await waitFor("attempt 2 taken by a poll", () => edge.state.queue.length === 0);
		};
		const logs: Record<string, unknown>[] = [];
		const agent = loop(overloadedOnceBackend(), logs);
		edge.state.queue.push(first);
		const exit = agent.run();
		await waitFor("attempt 2 done", () => edge.state.leaseEvents.get(second.leaseId)?.at(-1)?.type === "done", 10_000);
		agent.shutdown();
		expect(await exit).toBe(0);
		expect(edge.state.leaseEvents.get(first.leaseId)?.at(-1)).toMatchObject({
			type: "error",
			code: "backend_overloaded",
			retryable: true,
		});
		expect(edge.state.leaseEvents.get(second.leaseId)?.map((e) => e.type)).toEqual(["delta", "done"]);
		expect(logs.some((l) => l.msg === "job started" && l.jobId === first.jobId && l.attempt === 2)).toBe(true);
		expect(edge.state.released).toEqual([]);
	});

	it("keeps sending heartbeats (lease renewals) while the backend's model list hangs, reports it once, and finishes the job", async () => {
		edge = await new FakeEdge().start();
		let listed = 0;
		let answerChat = null as (() => void) | null;
		backendServer = createServer((req, res) => {
			if (req.url === "/v1/models") {
				listed++;
				// The first listing answers; every later one hangs, as a wedged server's would.
				if (listed === 1) res.end(JSON.stringify({ data: [{ id: "sim-1" }] }));
				return;
			}
			req.resume();
			// Time to first token: until the test says so.
			answerChat = () => {
				res.writeHead(200, { "content-type": "text/event-stream" });
				res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "late" } }] })}\n\n`);
				res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`);
				res.end("data: [DONE]\n\n");
			};
		});
		await new Promise<void>((r) => backendServer?.listen(0, "127.0.0.1", r));
		const url = `http://127.0.0.1:${(backendServer.address() as AddressInfo).port}`;
		const logs: Record<string, unknown>[] = [];
		const agent = loop(createOpenAiBackend({ url }), logs, { telemetryIntervalMs: 200, backendListTimeoutMs: 300 });
		// Streamed, as the backend below answers with SSE.
		const j = { ...fakeJob(22), request: { ...fakeJob(22).request, stream: true } };
		edge.state.queue.push(j);
		const exit = agent.run();
		await waitFor("the job's backend request", () => answerChat !== null);
		await waitFor("a hung model listing", () => listed >= 2);
		const before = edge.state.telemetry.length;
		// Heartbeats that renew the job's lease go on while listings hang behind them.
		await waitFor(
			"five heartbeats carrying the job",
			() => edge.state.telemetry.slice(before).filter((t) => t.running.some((r) => r.jobId === j.jobId)).length >= 5,
			15_000,
		);
		expect(edge.state.telemetry.at(-1)?.backendProblem).toMatch(/no answer within 300 ms/);
		answerChat?.();
		await waitFor("done", () => edge.state.events.get(j.jobId)?.at(-1)?.type === "done");
		agent.shutdown();
		expect(await exit).toBe(0);
		expect(edge.state.text(j.jobId)).toBe("late");
		expect(logs.filter((l) => l.msg === "backend stopped answering; keeping its last model list")).toHaveLength(1);
	});

	it("fails a job retryably when its backend goes silent for the idle timeout", async () => {
		edge = await new FakeEdge().start();
		const silent: Backend = {
			kind: "openai",
			listModels: async () => ["sim-1"],
			async *chat(_model, _request, signal): AsyncGenerator<ChatPart> {
				yield { type: "delta", text: "a" };
				await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
				throw new Error("aborted");
			},
		};
		const agent = loop(silent, [], { backendIdleTimeoutMs: 200 });
		const j = fakeJob(23);
		edge.state.queue.push(j);
		const exit = agent.run();
		await waitFor("error event", () => edge.state.events.get(j.jobId)?.at(-1)?.type === "error");
		agent.shutdown();
		expect(await exit).toBe(0);
		expect(edge.state.events.get(j.jobId)?.at(-1)).toMatchObject({
			type: "error",
			code: "backend_error",
			retryable: true,
			message: "the backend sent nothing for 200 ms",
		});
	});
});
