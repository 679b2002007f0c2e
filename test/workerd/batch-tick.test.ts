/**
 * The batch scheduler's tick against a live zone (a node that polled, its
 * status in D1): a deferrable request waits for the cleaner hour the forecast
 * shows, runs at once when the forecast is flat or when it asked not to
 * wait, and runs whatever the forecast says once past its safety margin.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { CreateBatchInput } from "../../durable-objects/batches/contract.js";
import { batchRegistry, batchStore } from "../../src/batches/batch-stub.js";
import { type ForecastSource, tickTenant } from "../../src/batches/batch-tick.js";
import worker from "../../src/index.js";
import { MODEL } from "./edge-fixtures.js";
import { liveZone } from "./routing-fixtures.js";

const HOUR = 3_600_000;

/** Intensity per slot: now 400 g/kWh, 50 from slot 3 on (a solar noon three hours ahead). */
const cleanerLater: ForecastSource = async () => (_zone, live, slots) =>
	Array.from({ length: slots }, (_, i) => (i === 0 ? Math.max(live, 400) : i >= 3 ? 50 : 400));
/** The same intensity all day. */
const flat: ForecastSource = async () => (_zone, live, slots) => new Array<number>(slots).fill(live);

let serial = 0;
async function newBatch(tenantId: string, options: { defer: boolean; createdAt: number }): Promise<string> {
	const id = `batch_tick${String(++serial).padStart(8, "0")}`;
	const input: CreateBatchInput = {
		id,
		tenantId,
		endpoint: "/v1/chat/completions",
		inputFileId: "file-input000001",
		completionWindow: "24h",
		defer: options.defer,
		createdAt: options.createdAt,
		expiresAt: options.createdAt + 24 * HOUR,
		metadata: null,
		allowedRegions: null,
		lines: [
			{
				line: 1,
				customId: "only",
				model: MODEL,
				requestJson: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
				errorJson: null,
			},
		],
	};
	await batchStore(env, tenantId).create(input);
	return id;
}

async function stateOf(tenantId: string, now: number) {
	const work = await batchStore(env, tenantId).work({ tenantId, now, limit: 10 });
	return { pending: work.pending.length, dispatched: work.dispatched.map((d) => d.zoneId) };
}

describe("batch scheduler tick", () => {
	beforeAll(async () => {
		await liveZone("eu-stockholm");
	});

	it("holds a deferrable request for the cleaner hour the forecast shows", async () => {
		const now = Date.now();
		await newBatch("tick-wait", { defer: true, createdAt: now });
		await tickTenant(env, "tick-wait", now, cleanerLater);
		expect(await stateOf("tick-wait", now)).toEqual({ pending: 1, dispatched: [] });
	});

	it("runs it now when the forecast is flat", async () => {
		const now = Date.now();
		await newBatch("tick-flat", { defer: true, createdAt: now });
		await tickTenant(env, "tick-flat", now, flat);
		expect(await stateOf("tick-flat", now)).toEqual({ pending: 0, dispatched: ["eu-stockholm"] });
	});

	it("runs at once a batch that asked not to wait (arcnet.defer: false)", async () => {
		const now = Date.now();
		await newBatch("tick-nodefer", { defer: false, createdAt: now });
		await tickTenant(env, "tick-nodefer", now, cleanerLater);
		expect(await stateOf("tick-nodefer", now)).toEqual({ pending: 0, dispatched: ["eu-stockholm"] });
	});

	it("runs a request past its safety margin whatever the forecast says", async () => {
		const now = Date.now();
		// Created 23 h ago with a 24 h window: 5% margin and the run allowance leave no later slot.
		await newBatch("tick-late", { defer: true, createdAt: now - 23 * HOUR });
		await tickTenant(env, "tick-late", now, cleanerLater);
		expect(await stateOf("tick-late", now)).toEqual({ pending: 0, dispatched: ["eu-stockholm"] });
	});

	it("is run every minute by the cron for each tenant with live batches, without a carbon refresh", async () => {
		const now = Date.now();
		await newBatch("tick-cron", { defer: false, createdAt: now });
		await batchRegistry(env).setActive("tick-cron", true);
		await env.DB.exec("DELETE FROM carbon_signals");
		const ctx = createExecutionContext();
		await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "* * * * *" }), env, ctx);
		await waitOnExecutionContext(ctx);
		expect(await stateOf("tick-cron", now)).toEqual({ pending: 0, dispatched: ["eu-stockholm"] });
		const signals = await env.DB.prepare("SELECT count(*) AS n FROM carbon_signals").first<{ n: number }>();
		expect(signals?.n).toBe(0);
	});
});
