/**
 * What a client sees when the zone holding its queued job loses its last node,
 * or when the job's deadline passes: the job moves to the next zone unnoticed,
 * or ends with a clean 503 (Retry-After) when no other zone qualifies, or a
 * 504 `timeout`. A timeout outside the deployment's range is a 400 naming it.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { agentCall, chatBody, DEV_KEY, pollBody, type TestNode } from "./edge-fixtures.js";
import { answer, complete, FRANKFURT_CF, liveZone, pollJob } from "./routing-fixtures.js";
import { loseEveryNode, queuedJobIn } from "./zone-loss-fixtures.js";

const carbon = { headers: { "x-arcnet-policy": "carbon" }, cf: FRANKFURT_CF };

describe("a zone that loses its last node while jobs queue there", () => {
	let frankfurt: TestNode;
	let stockholm: TestNode;

	beforeAll(async () => {
		frankfurt = await liveZone("eu-frankfurt");
		stockholm = await liveZone("eu-stockholm");
	});

	it("resubmits the queued job to the next zone, and the client gets that zone's answer", async () => {
		// Under carbon, eu-stockholm ranks first; its node has no poll open, so the job queues there.
		const pending = complete({ ...carbon, headers: { ...carbon.headers, "x-arcnet-regions": "se,de" } });
		const stranded = await queuedJobIn("eu-stockholm");
		await loseEveryNode("eu-stockholm");
		const moved = await pollJob(frankfurt);
		expect(moved.jobId).not.toBe(stranded);
		await answer(frankfurt, moved);
		const res = await pending;
		expect(res.status).toBe(200);
		expect(res.headers.get("x-arcnet-zone")).toBe("eu-frankfurt");
		expect(res.headers.get("x-arcnet-route")).toContain("refused=eu-stockholm:failed:no_capacity");
	});

	it("answers 503 no_capacity with Retry-After when no other zone qualifies", async () => {
		expect((await agentCall(stockholm, "/poll", pollBody())).status).toBe(200);
		expect(await runDurableObjectAlarm(env.GEOZONE.getByName("eu-stockholm"))).toBe(true);
		const pending = complete({ ...carbon, headers: { ...carbon.headers, "x-arcnet-regions": "se" } });
		await queuedJobIn("eu-stockholm");
		await loseEveryNode("eu-stockholm");
		const res = await pending;
		expect(res.status).toBe(503);
		expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
		const body = (await res.json()) as { error: { code: string; message: string } };
		expect(body.error.code).toBe("no_capacity");
		expect(body.error.message).toContain("no live node");
	});
});

describe("job deadlines seen by the client", () => {
	it("answers 504 timeout when the job is still queued at its deadline", async () => {
		await liveZone("eu-paris");
		const pending = complete({ headers: { "x-arcnet-regions": "fr", "x-arcnet-timeout-ms": "60000" } });
		const jobId = await queuedJobIn("eu-paris");
		const stub = env.GEOZONE.getByName("eu-paris");
		const deadline = await runInDurableObject(stub, (_i, s) => {
			const row = s.storage.sql
				.exec<{ received_at: number; queue_deadline_at: number }>(
					"SELECT received_at, queue_deadline_at FROM jobs WHERE job_id = ?",
					jobId,
				)
				.one();
			s.storage.sql.exec("UPDATE jobs SET queue_deadline_at = 1 WHERE job_id = ?", jobId);
			return row.queue_deadline_at - row.received_at;
		});
		expect(deadline).toBe(60_000);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		const res = await pending;
		expect(res.status).toBe(504);
		const body = (await res.json()) as { error: { type: string; code: string } };
		expect(body.error).toMatchObject({ type: "timeout", code: "timeout" });
	});

	it("refuses a timeout above JOB_TIMEOUT_MAX_MS with a 400 naming the header, the value and the range", async () => {
		const res = await complete({ headers: { "x-arcnet-timeout-ms": "99999999" } });
		expect(res.status).toBe(400);
		const body = (await res.json()) as { error: { param: string; message: string } };
		expect(body.error.param).toBe("x-arcnet-timeout-ms");
		expect(body.error.message).toContain('"99999999"');
		expect(body.error.message).toContain(`from 1000 to ${env.JOB_TIMEOUT_MAX_MS}`);
	});

	it("takes arcnet.timeout_ms as the job's deadline, and refuses one above JOB_TIMEOUT_MAX_MS naming the field", async () => {
		const max = Number(env.JOB_TIMEOUT_MAX_MS);
		const refused = await complete({ body: { arcnet: { timeout_ms: max + 1 } } });
		expect(refused.status).toBe(400);
		const error = ((await refused.json()) as { error: { param: string; message: string } }).error;
		expect(error.param).toBe("arcnet.timeout_ms");
		expect(error.message).toContain(`got ${max + 1}; allowed: an integer from 1000 to ${max}`);
		const tooShort = await complete({ body: { arcnet: { timeout_ms: 999.5 } } });
		expect(tooShort.status).toBe(400);
		expect(((await tooShort.json()) as { error: { code: string } }).error.code).toBe("invalid_timeout");

		const pending = complete({ headers: { "x-arcnet-regions": "fr" }, body: { arcnet: { timeout_ms: 45_000 } } });
		const jobId = await queuedJobIn("eu-paris");
		const stub = env.GEOZONE.getByName("eu-paris");
		const row = await runInDurableObject(stub, (_i, s) =>
			s.storage.sql
				.exec<{ received_at: number; first_token_deadline_at: number }>(
					"SELECT received_at, first_token_deadline_at FROM jobs WHERE job_id = ?",
					jobId,
				)
				.one(),
		);
		expect(row.first_token_deadline_at - row.received_at).toBe(45_000);
		await runInDurableObject(stub, (_i, s) => {
			s.storage.sql.exec("UPDATE jobs SET queue_deadline_at = 1 WHERE job_id = ?", jobId);
		});
		await runDurableObjectAlarm(stub);
		expect((await pending).status).toBe(504);
	});

	it("gives an async job the request's arcnet.timeout_ms, and ends it with timeout when it passes", async () => {
		await liveZone("eu-dublin");
		const res = await exports.default.fetch("http://edge/v1/jobs", {
			method: "POST",
			headers: { authorization: `Bearer ${DEV_KEY}`, "content-type": "application/json" },
			body: JSON.stringify({ request: chatBody({ arcnet: { regions: ["ie"], timeout_ms: 30_000 } }) }),
		});
		expect(res.status).toBe(202);
		const { id } = (await res.json()) as { id: string };
		const stub = env.GEOZONE.getByName("eu-dublin");
		const row = await runInDurableObject(stub, (_i, s) => {
			const found = s.storage.sql
				.exec<{ received_at: number; queue_deadline_at: number }>(
					"SELECT received_at, queue_deadline_at FROM jobs WHERE job_id = ?",
					id,
				)
				.one();
			s.storage.sql.exec("UPDATE jobs SET queue_deadline_at = 1 WHERE job_id = ?", id);
			return found;
		});
		expect(row.queue_deadline_at - row.received_at).toBe(30_000);
		await runDurableObjectAlarm(stub);
		const view = await exports.default.fetch(`http://edge/v1/jobs/${id}`, {
			headers: { authorization: `Bearer ${DEV_KEY}` },
		});
		expect(await view.json()).toMatchObject({ status: "failed", error: { code: "timeout" } });
	});
});
