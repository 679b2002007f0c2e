/**
 * One trace id end to end: a client's traceparent, sent to the real Worker
 * under `wrangler dev`, comes back in x-arcnet-trace-id, is written to D1's
 * job row, reaches the real agent (its log lines and its OTLP/HTTP spans,
 * recorded by a loopback receiver) and the backend request's traceparent
 * header (recorded by the fake OpenAI server).
 */

import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnAgent } from "../support/agent-process.js";
import { waitForModel } from "../support/edge-client.js";
import { type FakeOpenAIServer, startFakeOpenAI } from "../support/fake-openai-server.js";
import { type LocalEdge, queryLocalD1, startLocalEdge } from "../support/local-edge.js";
import type { ManagedProcess } from "../support/managed-process.js";
import { waitFor } from "../support/wait.js";

const MODEL = "trace-model";
const ZONE = "eu-stockholm";
const TRACE = "5b8efff798038103d269b633813fc60c";
const CLIENT_SPAN = "eee19b7ec3c1b174";

interface OtlpSpan {
	traceId: string;
	spanId: string;
	parentSpanId?: string;
	name: string;
	attributes: { key: string; value: Record<string, unknown> }[];
}

let workDir = "";
let edge: LocalEdge | undefined;
let fake: FakeOpenAIServer | undefined;
let agent: ManagedProcess | undefined;
let collector: Server | undefined;
const spans: OtlpSpan[] = [];
const agentLines: string[] = [];

/** A loopback OTLP/HTTP receiver: records the spans of every POST /v1/traces. */
async function startCollector(): Promise<string> {
	collector = createServer((req, res) => {
		let text = "";
		req.on("data", (chunk: Buffer) => {
			text += chunk.toString();
		});
		req.on("end", () => {
			if (req.method === "POST" && req.url === "/v1/traces") {
				const body = JSON.parse(text) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
				for (const r of body.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
			}
			res.writeHead(200, { "content-type": "application/json" }).end("{}");
		});
	});
	const server = collector;
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const attribute = (span: OtlpSpan | undefined, key: string) =>
	span?.attributes.find((a) => a.key === key)?.value ?? undefined;

beforeAll(async () => {
	workDir = await mkdtemp(join(tmpdir(), "arcnet-e2e-trace-"));
	const collectorUrl = await startCollector();
	fake = await startFakeOpenAI({ models: [MODEL] });
	edge = await startLocalEdge({ persistDir: join(workDir, "state") });
	agent = await spawnAgent(edge, {
		name: "e2e-trace",
		zoneId: ZONE,
		stateDir: join(workDir, "agent"),
		backend: { kind: "openai", url: fake.url },
		onLine: (line) => agentLines.push(line),
		extraArgs: ["--otlp-endpoint", collectorUrl],
	});
	await waitForModel(edge, MODEL, 45_000);
}, 180_000);

afterAll(async () => {
	await agent?.stop(15_000);
	await edge?.stop();
	await fake?.close();
	await new Promise((resolve) => (collector ? collector.close(resolve) : resolve(undefined)));
	if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe("a client's trace, end to end", () => {
	it("links the answer, D1's job row, the agent's spans and logs, and the backend request", async () => {
		if (!edge || !fake) throw new Error("the system did not start");
		const res = await fetch(`${edge.url}/v1/chat/completions`, {
			method: "POST",
			headers: {
				authorization: `Bearer ${edge.devApiKey}`,
				"content-type": "application/json",
				traceparent: `00-${TRACE}-${CLIENT_SPAN}-01`,
			},
			body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "trace me" }], max_tokens: 8 }),
			signal: AbortSignal.timeout(60_000),
		});
		expect(res.status, await res.clone().text()).toBe(200);
		await res.text();
		expect(res.headers.get("x-arcnet-trace-id")).toBe(TRACE);
		const jobId = res.headers.get("x-arcnet-job-id") ?? "";
		expect(jobId).toMatch(/^job_/);

		// The agent's spans: the job's under the edge's span, the backend request's under the job's.
		const job = await waitFor(
			"the agent's job span",
			async () => {
				const found = spans.find((s) => s.name === "arcnet.job" && s.traceId === TRACE);
				if (!found) throw new Error(`spans so far: ${spans.length}`);
				return found;
			},
			{ timeoutMs: 20_000, intervalMs: 200 },
		);
		expect(job.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
		expect(job.parentSpanId).not.toBe(CLIENT_SPAN);
		expect(attribute(job, "arcnet.job.id")).toEqual({ stringValue: jobId });
		expect(attribute(job, "arcnet.zone.id")).toEqual({ stringValue: ZONE });
		expect(attribute(job, "arcnet.job.outcome")).toEqual({ stringValue: "done" });
		const backend = spans.find((s) => s.traceId === TRACE && s.parentSpanId === job.spanId);
		expect(backend?.name).toBe("backend openai");

		// The backend was sent the trace, with the backend span as its parent.
		expect(fake.traceparents).toContain(`00-${TRACE}-${backend?.spanId}-01`);

		// The agent's log lines about the job carry the trace id.
		const started = agentLines.find((l) => l.includes("job started") && l.includes(jobId));
		expect(started).toContain(`"traceId":"${TRACE}"`);

		// The Worker's log line about the job is JSON with the same ids.
		const workerLine = edge.logs().find((l) => l.includes('"event":"job_answered"') && l.includes(jobId));
		expect(workerLine).toBeDefined();
		const logged = JSON.parse((workerLine ?? "").slice((workerLine ?? "").indexOf("{"))) as Record<string, unknown>;
		expect(logged).toMatchObject({ trace: TRACE, job: jobId, zone: ZONE, tenant: expect.any(String) });

		// D1's job row, once the zone's alarm has flushed the finished job.
		const rows = await waitFor(
			"the job's D1 row",
			async () => {
				const found = await queryLocalD1(edge?.persistDir ?? "", `SELECT trace_id FROM jobs WHERE id = '${jobId}'`);
				if (found.length === 0) throw new Error("not flushed yet");
				return found;
			},
			{ timeoutMs: 30_000, intervalMs: 1000 },
		);
		expect(rows[0]?.trace_id).toBe(TRACE);
	});
});
