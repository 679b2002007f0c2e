/**
 * The agent's OTLP/HTTP span exporter (node-agent/src/tracing): the JSON it
 * posts, batching, the queue cap and its drop count, and an unreachable
 * collector logged once and its recovery once, against a loopback receiver.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../node-agent/src/logger.js";
import { JobTrace } from "../../node-agent/src/tracing/job-trace.js";
import { OtlpExporter } from "../../node-agent/src/tracing/otlp-exporter.js";
import { type SpanRecord, unixNanos } from "../../node-agent/src/tracing/otlp-json.js";

interface Receiver {
	url: string;
	bodies: { resourceSpans: { resource: unknown; scopeSpans: { spans: Record<string, unknown>[] }[] }[] }[];
	paths: string[];
	status: number;
	close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
	await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function receiver(port = 0): Promise<Receiver> {
	const state: Receiver = { url: "", bodies: [], paths: [], status: 200, close: async () => undefined };
	const server = createServer((req, res) => {
		let text = "";
		req.on("data", (chunk: Buffer) => {
			text += chunk.toString();
		});
		req.on("end", () => {
			state.paths.push(`${req.method} ${req.url} ${req.headers["content-type"]}`);
			if (state.status === 200) state.bodies.push(JSON.parse(text));
			res.writeHead(state.status, { "content-type": "application/json" }).end("{}");
		});
	});
	servers.push(server);
	await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
	state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	state.close = () => new Promise((resolve) => server.close(() => resolve()));
	return state;
}

function span(i: number): SpanRecord {
	return {
		traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
		spanId: (i + 1).toString(16).padStart(16, "0"),
		parentSpanId: "00f067aa0ba902b7",
		name: "arcnet.job",
		kind: "consumer",
		startMs: 1_700_000_000_000.5,
		endMs: 1_700_000_000_100,
		attributes: { "arcnet.job.id": `job_${i}`, "gen_ai.usage.output_tokens": 7, ratio: 0.5, ok: true, none: undefined },
		status: i % 2 === 0 ? { code: "ok" } : { code: "error", message: "backend_error" },
	};
}

function logs() {
	const lines: string[] = [];
	return { lines, logger: createLogger({ format: "json", level: "debug", write: (l) => lines.push(l) }) };
}

const options = (endpoint: string, logger: ReturnType<typeof logs>["logger"]) => ({
	endpoint,
	logger,
	resource: { "service.name": "arcnet-agent", "arcnet.node.id": "node_x" },
	scope: { name: "arcnet-agent", version: "0.1.0" },
	intervalMs: 20,
});

describe("OtlpExporter", () => {
	it("posts OTLP/JSON to {endpoint}/v1/traces in batches", async () => {
		const rx = await receiver();
		const { logger, lines } = logs();
		const exporter = new OtlpExporter({ ...options(`${rx.url}/`, logger), maxBatch: 3 });
		for (let i = 0; i < 7; i++) exporter.add(span(i));
		await exporter.flush();
		expect(rx.paths).toEqual(Array(3).fill("POST /v1/traces application/json"));
		const spans = rx.bodies.flatMap((b) => b.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
		expect(spans).toHaveLength(7);
		expect(exporter.counts).toEqual({ exported: 7, dropped: 0, queued: 0 });
		expect(rx.bodies[0]?.resourceSpans[0]?.resource).toEqual({
			attributes: [
				{ key: "service.name", value: { stringValue: "arcnet-agent" } },
				{ key: "arcnet.node.id", value: { stringValue: "node_x" } },
			],
		});
		expect(spans[1]).toEqual({
			traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
			spanId: "0000000000000002",
			parentSpanId: "00f067aa0ba902b7",
			name: "arcnet.job",
			kind: 5,
			startTimeUnixNano: "1700000000000500000",
			endTimeUnixNano: "1700000000100000000",
			attributes: [
				{ key: "arcnet.job.id", value: { stringValue: "job_1" } },
				{ key: "gen_ai.usage.output_tokens", value: { intValue: "7" } },
				{ key: "ratio", value: { doubleValue: 0.5 } },
				{ key: "ok", value: { boolValue: true } },
			],
			status: { code: 2, message: "backend_error" },
		});
		expect(lines).toEqual([]);
	});

	it("drops beyond the queue cap, counts the drops and logs them once", async () => {
		const rx = await receiver();
		const { logger, lines } = logs();
		const exporter = new OtlpExporter({ ...options(rx.url, logger), maxQueue: 5, maxBatch: 100, intervalMs: 60_000 });
		for (let i = 0; i < 12; i++) exporter.add(span(i));
		expect(exporter.counts).toEqual({ exported: 0, dropped: 7, queued: 5 });
		expect(lines.filter((l) => l.includes("span queue full"))).toHaveLength(1);
		await exporter.flush();
		expect(exporter.counts).toEqual({ exported: 5, dropped: 7, queued: 0 });
		expect(lines.filter((l) => l.includes("span export recovered"))).toHaveLength(1);
	});

	it("logs an unreachable collector once and its recovery once; add never waits", async () => {
		const rx = await receiver();
		rx.status = 503;
		const { logger, lines } = logs();
		const exporter = new OtlpExporter({ ...options(rx.url, logger), maxBatch: 1 });
		for (let i = 0; i < 4; i++) {
			exporter.add(span(i));
			await exporter.flush();
		}
		expect(exporter.counts.dropped).toBe(4);
		const failed = lines.filter((l) => l.includes("span export failed"));
		expect(failed).toHaveLength(1);
		expect(failed[0]).toContain("HTTP 503");
		rx.status = 200;
		exporter.add(span(9));
		exporter.add(span(10));
		await exporter.flush();
		expect(exporter.counts).toEqual({ exported: 2, dropped: 4, queued: 0 });
		const recovered = lines.filter((l) => l.includes("span export recovered"));
		expect(recovered).toHaveLength(1);
		expect(JSON.parse(recovered[0] ?? "{}")).toMatchObject({ dropped: 4 });
	});

	it("a collector that refuses connections is logged once, and close() returns", async () => {
		const rx = await receiver();
		await rx.close();
		const { logger, lines } = logs();
		const exporter = new OtlpExporter(options(rx.url, logger));
		exporter.add(span(0));
		await exporter.flush();
		exporter.add(span(1));
		await exporter.close(1000);
		expect(lines.filter((l) => l.includes("span export failed"))).toHaveLength(1);
		expect(exporter.counts.dropped).toBe(2);
	});
});

describe("JobTrace", () => {
	it("continues the lease's trace: job span under the edge span, backend span under the job span", () => {
		const added: SpanRecord[] = [];
		const trace = new JobTrace(
			{
				jobId: "job_abc",
				attempt: 1,
				model: "m",
				traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			},
			{ exporter: { add: (s) => added.push(s) }, zoneId: "eu-north", nodeId: "node_x", backend: "openai" },
		);
		expect(trace.backendTraceparent()).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${trace.backendSpanId}-01`);
		trace.backendStarted();
		trace.backendEnded();
		trace.end({ outcome: "done", failed: false, inputTokens: 3, outputTokens: 5 });
		const [backend, job] = added;
		expect(job).toMatchObject({ parentSpanId: "00f067aa0ba902b7", spanId: trace.spanId, kind: "consumer" });
		expect(backend).toMatchObject({ parentSpanId: trace.spanId, spanId: trace.backendSpanId, kind: "client" });
		expect(job?.attributes).toMatchObject({
			"arcnet.job.id": "job_abc",
			"arcnet.zone.id": "eu-north",
			"arcnet.node.id": "node_x",
			"gen_ai.request.model": "m",
			"gen_ai.usage.input_tokens": 3,
			"gen_ai.usage.output_tokens": 5,
			"arcnet.job.outcome": "done",
		});
	});

	it("starts a trace of its own when the lease has none", () => {
		const trace = new JobTrace({ jobId: "job_abc", attempt: 1, model: "m" });
		expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
		expect(trace.parentSpanId).toBeUndefined();
	});

	it("unixNanos keeps sub-millisecond time exactly", () => {
		expect(unixNanos(1_700_000_000_123.456)).toBe("1700000000123456000");
	});
});
