/**
 * Batch requests count against their key's daily token quota, not its rate:
 * the tick reserves each request's estimated tokens in the key's limiter
 * before dispatching it, what the day cannot take waits, a request larger than
 * the whole quota fails at once, and a finished job settles its reservation
 * to the tokens it used.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { CreateBatchInput } from "../../durable-objects/batches/contract.js";
import { batchStore } from "../../src/batches/batch-stub.js";
import { type ForecastSource, tickTenant } from "../../src/batches/batch-tick.js";
import { estimateRequestTokens } from "../../src/limits/estimate.js";
import { keyLimiterStub } from "../../src/limits/middleware.js";
import type { TestNode } from "./edge-fixtures.js";
import { MODEL } from "./edge-fixtures.js";
import { liveZone } from "./routing-fixtures.js";

const ZONE = "eu-stockholm";
const TENANT = "tenant-batch-quota";
const KEY = "key_batchquota01";
const flat: ForecastSource = async () => (_zone, live, slots) => new Array<number>(slots).fill(live);

const request = (maxTokens: number) =>
	JSON.stringify({ endpoint: "chat/completions", messages: [{ role: "user", content: "hi" }], max_tokens: maxTokens });
const ESTIMATE = estimateRequestTokens(request(100), "chat/completions").total;
/** Two requests' reservations, and room for the first one's real usage (12 tokens) beside them. */
const QUOTA = 2 * ESTIMATE + 20;

async function work(now: number) {
	const w = await batchStore(env, TENANT).work({ tenantId: TENANT, now, limit: 10 });
	return { pending: w.pending.map((p) => p.line), dispatched: w.dispatched.map((d) => d.line) };
}

const usage = () => keyLimiterStub(env, KEY).usage({ keyId: KEY });

let node: TestNode;

describe("batch requests and the key's daily token quota", () => {
	beforeAll(async () => {
		node = await liveZone(ZONE);
	});

	it("reserves tokens per dispatched request, holds what the day cannot take, fails what never fits, settles real usage", async () => {
		const now = Date.now();
		const line = (n: number, maxTokens: number) => ({
			line: n,
			customId: `r${n}`,
			model: MODEL,
			requestJson: request(maxTokens),
			errorJson: null,
		});
		const input: CreateBatchInput = {
			id: "batch_quota0000001",
			tenantId: TENANT,
			endpoint: "/v1/chat/completions",
			inputFileId: "file-input000001",
			completionWindow: "24h",
			defer: false,
			createdAt: now,
			expiresAt: now + 86_400_000,
			metadata: null,
			allowedRegions: null,
			quota: { keyId: KEY, dailyTokens: QUOTA },
			lines: [line(1, 100), line(2, 100), line(3, 100), line(4, 100_000)],
		};
		await batchStore(env, TENANT).create(input);

		await tickTenant(env, TENANT, now, flat);
		expect(await work(now)).toEqual({ pending: [3], dispatched: [1, 2] });
		expect(await usage()).toMatchObject({
			inFlight: 2,
			tokensReservedToday: 2 * ESTIMATE,
			tokensUsedToday: 0,
			// No request's limits were applied: the rate bucket was never touched.
			limits: null,
			requestsAvailable: null,
		});
		const record = await batchStore(env, TENANT).get({ tenantId: TENANT, batchId: input.id });
		expect(record?.counts).toEqual({ total: 4, completed: 0, failed: 1 });

		// The node runs the first request; it used 12 tokens.
		const zone = env.GEOZONE.getByName(ZONE);
		const [job] = await zone.poll({
			zoneId: ZONE,
			nodeId: node.nodeId,
			maxJobs: 1,
			waitMs: 0,
			models: [MODEL],
			slots: 4,
		});
		if (!job) throw new Error("expected a leased job");
		const done = {
			seq: 0,
			type: "done" as const,
			finishReason: "stop",
			usage: { prompt_tokens: 5, completion_tokens: 7 },
		};
		await zone.postEvents({
			zoneId: ZONE,
			nodeId: node.nodeId,
			jobId: job.jobId,
			leaseId: job.leaseId,
			events: [done],
		});

		await tickTenant(env, TENANT, now + 1_000, flat);
		expect(await work(now + 1_000)).toEqual({ pending: [], dispatched: [2, 3] });
		expect(await usage()).toMatchObject({ inFlight: 2, tokensReservedToday: 2 * ESTIMATE, tokensUsedToday: 12 });
	});

	it("holds no concurrency slot of the key's requests, and shares the day's tokens with them", async () => {
		const keyId = "key_batchquota02";
		const limiter = keyLimiterStub(env, keyId);
		const batch = await limiter.admitTokens({ keyId, dailyTokens: 1_000, estimatedTokens: 100 });
		expect(batch).toMatchObject({ admitted: true, permitId: expect.stringMatching(/^quota_/) });
		// A key allowed one request at a time still takes one while the batch's reservation is in flight.
		const limits = { ratePerMinute: 0, maxConcurrent: 1, dailyTokens: 1_000 };
		expect(await limiter.admit({ keyId, limits, estimatedTokens: 100 })).toMatchObject({ admitted: true });
		expect(await limiter.admit({ keyId, limits, estimatedTokens: 100 })).toMatchObject({
			admitted: false,
			reason: "concurrency",
		});
		// The quota counts both: 200 reserved, so 900 more do not fit.
		expect(await limiter.admitTokens({ keyId, dailyTokens: 1_000, estimatedTokens: 900 })).toMatchObject({
			admitted: false,
			reason: "daily_tokens",
		});
	});
});
