/**
 * Backpressure: a zone whose queue holds MAX_QUEUE_DEPTH jobs refuses new ones
 * (queue_full) and the router sends the job to the next zone; when every zone
 * serving the model refuses with a full queue the client gets 429, and when
 * the refusals are mixed (some zone has no capacity at all) 503, both with
 * Retry-After and OpenAI's error shape. An async job (POST /v1/jobs) goes
 * through the same candidate loop and gets the same 429.
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { insertJob } from "../../durable-objects/geozone/jobs/job-queue.js";
import { chatBody, DEV_KEY, errorOf, type TestNode } from "./edge-fixtures.js";
import { submitInput } from "./geozone-fixtures.js";
import { answer, complete, FRANKFURT_CF, liveZone, pollJob } from "./routing-fixtures.js";

const DEPTH = Number(env.MAX_QUEUE_DEPTH);

/** Fills the zone's queue to MAX_QUEUE_DEPTH with jobs no node serves (another model). */
async function fillQueue(zoneId: string): Promise<void> {
	await runInDurableObject(env.GEOZONE.getByName(zoneId), (_i, state) => {
		const queued = state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM jobs WHERE status = 'queued'");
		for (let i = queued.one().n; i < DEPTH; i++) {
			insertJob(state.storage.sql, submitInput(zoneId, { model: "queue-filler:1b" }));
		}
	});
}

/** eu-stockholm (21 g/kWh) ranks before eu-frankfurt under the carbon policy. */
const carbon = (regions: string) => ({
	headers: { "x-arcnet-policy": "carbon", "x-arcnet-regions": regions },
	cf: FRANKFURT_CF,
});

describe("backpressure", () => {
	let frankfurt: TestNode;

	beforeAll(async () => {
		frankfurt = await liveZone("eu-frankfurt");
		await liveZone("eu-stockholm");
	});

	it("sends the job to the next zone when the best one's queue is full", async () => {
		await fillQueue("eu-stockholm");
		const pending = complete(carbon("se,de"));
		await answer(frankfurt, await pollJob(frankfurt));
		const res = await pending;
		expect(res.status).toBe(200);
		expect(res.headers.get("x-arcnet-zone")).toBe("eu-frankfurt");
		expect(res.headers.get("x-arcnet-route")).toContain("refused=eu-stockholm:queue_full");
	});

	it("answers 503 with Retry-After when one zone is full and no other has capacity", async () => {
		// eu-oslo publishes nothing and has no node: it is not a candidate; only the full zone is left.
		await env.DB.prepare(
			`INSERT OR REPLACE INTO zone_status (zone_id, live_nodes, models, slots, free_slots, queue_depth, updated_at)
			 VALUES ('eu-oslo', 1, ?, 4, 4, 0, ?)`,
		)
			.bind(JSON.stringify(["llama3.1:8b"]), Date.now())
			.run();
		const res = await complete(carbon("se,no"));
		expect(res.status).toBe(503);
		expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
		const error = await errorOf(res);
		expect(error.code).toBe("no_capacity");
		expect(error.message).toMatch(/eu-stockholm: queue_full/);
		expect(error.message).toMatch(/eu-oslo: no_live_node/);
	});

	it("answers 429 with Retry-After when every zone serving the model has a full queue", async () => {
		await fillQueue("eu-frankfurt");
		const res = await complete(carbon("se,de"));
		expect(res.status).toBe(429);
		expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
		const error = await errorOf(res);
		expect(error).toMatchObject({ type: "rate_limit_error", code: "queue_full", param: null });
		expect(error.message).toContain("eu-stockholm");
		expect(error.message).toContain("eu-frankfurt");
	});

	it("answers an async job 429 queue_full too when every zone serving the model has a full queue", async () => {
		await fillQueue("eu-stockholm");
		await fillQueue("eu-frankfurt");
		const res = await exports.default.fetch(
			new Request("http://edge/v1/jobs", {
				method: "POST",
				headers: { authorization: `Bearer ${DEV_KEY}`, "content-type": "application/json", ...carbon("se,de").headers },
				body: JSON.stringify({ request: chatBody() }),
				cf: FRANKFURT_CF,
			}),
		);
		expect(res.status).toBe(429);
		expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
		const error = await errorOf(res);
		expect(error).toMatchObject({ type: "rate_limit_error", code: "queue_full" });
		expect(error.message).toContain("eu-stockholm");
		expect(error.message).toContain("eu-frankfurt");
	});
});
