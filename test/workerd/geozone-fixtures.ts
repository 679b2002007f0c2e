/**
 * Shared builders for the GeozoneDO tests: valid ids and inputs, a stub per
 * test, and a reader that collects a job's NDJSON stream into events.
 */
import { env } from "cloudflare:workers";
import type { PollInput, SubmitJobInput } from "../../durable-objects/geozone/contract.js";
import { decodeJobStream, type JobStreamEvent } from "../../src/protocol/job-stream.js";

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789";

function randomId(prefix: string): string {
	let id = prefix;
	for (const byte of crypto.getRandomValues(new Uint8Array(24))) id += alnum[byte % alnum.length];
	return id;
}

export const MODEL = "llama3.1:8b";

/** A fresh job id. */
export const newJobId = (): string => randomId("job_");
/** A fresh node id. */
export const newNodeId = (): string => randomId("node_");

/** A zone id unique to the test, so objects never share state. */
export function newZoneId(): string {
	return randomId("zt-").slice(0, 20);
}

/** The zone's object stub. */
export function zoneStub(zoneId: string) {
	return env.GEOZONE.getByName(zoneId);
}

/** A valid submit input for the model. */
export function submitInput(zoneId: string, overrides: Partial<SubmitJobInput> = {}): SubmitJobInput {
	return {
		zoneId,
		jobId: newJobId(),
		tenantId: "tenant_dev",
		model: MODEL,
		requestJson: JSON.stringify({ messages: [{ role: "user", content: "hello" }], max_tokens: 16 }),
		stream: true,
		receivedAt: Date.now(),
		routingJson: JSON.stringify({ policy: "latency", chosen: zoneId }),
		...overrides,
	};
}

/** A valid poll input that returns at once unless `waitMs` is given. */
export function pollInput(zoneId: string, nodeId: string, overrides: Partial<PollInput> = {}): PollInput {
	return { zoneId, nodeId, maxJobs: 4, waitMs: 0, models: [MODEL], slots: 4, ...overrides };
}

/** A valid heartbeat body for the node, with the leases it runs. */
export function heartbeatInput(zoneId: string, nodeId: string, running: { jobId: string; leaseId: string }[]) {
	return {
		zoneId,
		nodeId,
		hardware: "simulated" as const,
		gpus: [],
		host: { cpuPct: 12, memUsedBytes: 1_000, memTotalBytes: 8_000 },
		models: [MODEL],
		slots: 4,
		running,
		tokensPerSecond: 42,
		queueDepth: 0,
	};
}

/** Reads a job stream to its end. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<JobStreamEvent[]> {
	const events: JobStreamEvent[] = [];
	for await (const event of decodeJobStream(stream)) events.push(event);
	return events;
}

/** Reads a job stream until `count` events arrived (the stream may stay open). */
export async function readSome(
	reader: ReadableStreamDefaultReader<Uint8Array>,
	count: number,
): Promise<JobStreamEvent[]> {
	const decoder = new TextDecoder();
	const events: JobStreamEvent[] = [];
	let buffered = "";
	while (events.length < count) {
		const { value, done } = await reader.read();
		if (done) break;
		buffered += decoder.decode(value, { stream: true });
		let newline = buffered.indexOf("\n");
		while (newline >= 0) {
			events.push(JSON.parse(buffered.slice(0, newline)) as JobStreamEvent);
			buffered = buffered.slice(newline + 1);
			newline = buffered.indexOf("\n");
		}
	}
	return events;
}
