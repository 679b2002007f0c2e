import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { agentCall, call, chatBody, DEV_KEY, enrollNode, errorOf, pollBody, type TestNode } from "./edge-fixtures.js";

const ZONE = "eu-stockholm";

interface PolledJob {
	jobId: string;
	leaseId: string;
}

interface Job {
	id: string;
	object: string;
	status: string;
	zone: string;
	attempts: number;
	result: {
		object: string;
		choices: { message: { content: string } }[];
		usage: { total_tokens: number };
		arcnet: { zone: string };
	} | null;
	error: { code: string } | null;
}

function postJob(body: unknown, key?: string): Promise<Response> {
	return exports.default.fetch("http://edge/v1/jobs", {
		method: "POST",
		headers: {
			authorization: `Bearer ${DEV_KEY}`,
			"content-type": "application/json",
			...(key !== undefined ? { "idempotency-key": key } : {}),
		},
		body: JSON.stringify(body),
	});
}

async function pollJobs(node: TestNode): Promise<PolledJob[]> {
	const res = await agentCall(node, "/poll", pollBody());
	expect(res.status).toBe(200);
	return ((await res.json()) as { jobs: PolledJob[] }).jobs;
}

async function answer(node: TestNode, job: PolledJob): Promise<void> {
	const res = await agentCall(node, `/jobs/${job.jobId}/events`, {
		leaseId: job.leaseId,
		events: [
			{ seq: 0, type: "delta", text: "Hello" },
			{ seq: 1, type: "delta", text: ", world" },
			{ seq: 2, type: "done", finishReason: "stop", usage: { prompt_tokens: 7, completion_tokens: 3 } },
		],
	});
	expect(res.status).toBe(200);
}

describe("async jobs API", () => {
	let node: TestNode;

	beforeAll(async () => {
		node = await enrollNode(ZONE);
		expect((await agentCall(node, "/poll", pollBody())).status).toBe(200);
		expect(await runDurableObjectAlarm(env.GEOZONE.getByName(ZONE))).toBe(true);
	});

	it("accepts a job with 202 and a Location, then GET shows it succeeded with the full result", async () => {
		const res = await postJob({ request: chatBody() });
		expect(res.status).toBe(202);
		const job = (await res.json()) as Job;
		expect(job).toMatchObject({ object: "job", status: "queued", zone: ZONE });
		expect(res.headers.get("location")).toBe(`/v1/jobs/${job.id}`);
		const [leased] = await pollJobs(node);
		expect(leased?.jobId).toBe(job.id);
		if (leased) await answer(node, leased);
		const got = await call("GET", `/v1/jobs/${job.id}`, { bearer: DEV_KEY });
		expect(got.status).toBe(200);
		const done = (await got.json()) as Job;
		expect(done.status).toBe("succeeded");
		expect(done.attempts).toBe(1);
		expect(done.error).toBeNull();
		expect(done.result?.object).toBe("chat.completion");
		expect(done.result?.choices[0]?.message.content).toBe("Hello, world");
		expect(done.result?.usage.total_tokens).toBe(10);
		expect(done.result?.arcnet.zone).toBe(ZONE);
	});

	it("cancels a running job on DELETE, tells the node, and answers 409 job_finished afterwards", async () => {
		const job = (await (await postJob({ request: chatBody() })).json()) as Job;
		const [leased] = await pollJobs(node);
		expect(leased?.jobId).toBe(job.id);
		const del = await call("DELETE", `/v1/jobs/${job.id}`, { bearer: DEV_KEY });
		expect(del.status).toBe(200);
		expect(((await del.json()) as Job).status).toBe("cancelled");
		const beat = await agentCall(node, "/telemetry", {
			hardware: "simulated",
			gpus: [],
			host: { cpuPct: 1, memUsedBytes: 1, memTotalBytes: 2 },
			models: [chatBody().model],
			slots: 4,
			running: [{ jobId: job.id, leaseId: leased?.leaseId }],
			tokensPerSecond: 1,
			queueDepth: 0,
		});
		expect(beat.status).toBe(200);
		expect(((await beat.json()) as { cancel: string[] }).cancel).toContain(job.id);
		const again = await call("DELETE", `/v1/jobs/${job.id}`, { bearer: DEV_KEY });
		expect(again.status).toBe(409);
		expect((await errorOf(again)).code).toBe("job_finished");
	});

	it("returns the same job for a retried Idempotency-Key and creates only one", async () => {
		const body = { request: chatBody({ max_tokens: 5 }) };
		const first = await postJob(body, "order-42");
		expect(first.status).toBe(202);
		const { id } = (await first.json()) as Job;
		const second = await postJob(body, "order-42");
		expect(second.status).toBe(200);
		expect(second.headers.get("idempotent-replayed")).toBe("true");
		expect(((await second.json()) as Job).id).toBe(id);
		const rows = await env.DB.prepare("SELECT count(*) AS n FROM async_jobs WHERE idempotency_key = 'order-42'").first<{
			n: number;
		}>();
		expect(rows?.n).toBe(1);
		const jobs = await pollJobs(node);
		expect(jobs.map((j) => j.jobId)).toEqual([id]);
		for (const j of jobs) await answer(node, j);
	});

	it("refuses the same Idempotency-Key with another body with 422 idempotency_key_reused", async () => {
		expect((await postJob({ request: chatBody() }, "order-43")).status).toBe(202);
		const other = await postJob({ request: chatBody({ max_tokens: 9 }) }, "order-43");
		expect(other.status).toBe(422);
		expect((await errorOf(other)).code).toBe("idempotency_key_reused");
		for (const j of await pollJobs(node)) await answer(node, j);
	});

	it("answers another tenant's job with the same 404 as an unknown one, for GET and DELETE", async () => {
		const stub = env.GEOZONE.getByName(ZONE);
		const jobId = `job_${"x".repeat(20)}`;
		const submitted = await stub.submitAsync({
			zoneId: ZONE,
			jobId,
			tenantId: "tenant_other",
			model: chatBody().model,
			requestJson: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
			stream: false,
			receivedAt: Date.now(),
			routingJson: "{}",
			kind: "async",
		});
		expect(submitted.accepted).toBe(true);
		await env.DB.prepare(
			"INSERT INTO async_jobs (id, tenant_id, zone_id, model, request_hash, created_at, expires_at) VALUES (?, 'tenant_other', ?, ?, 'h', ?, ?)",
		)
			.bind(jobId, ZONE, chatBody().model, Date.now(), Date.now() + 60_000)
			.run();
		expect(await stub.getJob(ZONE, jobId, "tenant_dev")).toBeNull();
		expect((await stub.cancelForTenant(ZONE, jobId, "tenant_dev")).outcome).toBe("not_found");
		const unknown = await call("GET", `/v1/jobs/job_${"y".repeat(20)}`, { bearer: DEV_KEY });
		const theirs = await call("GET", `/v1/jobs/${jobId}`, { bearer: DEV_KEY });
		const del = await call("DELETE", `/v1/jobs/${jobId}`, { bearer: DEV_KEY });
		expect([unknown.status, theirs.status, del.status]).toEqual([404, 404, 404]);
		const [a, b] = [await errorOf(unknown), await errorOf(theirs)];
		expect(b.message.replace(jobId, "ID")).toBe(a.message.replace(`job_${"y".repeat(20)}`, "ID"));
		expect((await stub.getJob(ZONE, jobId, "tenant_other"))?.status).toBe("queued");
		await stub.cancelForTenant(ZONE, jobId, "tenant_other");
	});

	it("forgets a finished job after its retention: GET is 404 and the alarm deletes it", async () => {
		const job = (await (await postJob({ request: chatBody() })).json()) as Job;
		for (const j of await pollJobs(node)) await answer(node, j);
		expect((await call("GET", `/v1/jobs/${job.id}`, { bearer: DEV_KEY })).status).toBe(200);
		const stub = env.GEOZONE.getByName(ZONE);
		await runDurableObjectAlarm(stub);
		// Move the job's end back past JOB_RETENTION_MS (24 h).
		await runInDurableObject(stub, (_i, s) => {
			s.storage.sql.exec("UPDATE jobs SET finished_at = finished_at - 86400001 WHERE job_id = ?", job.id);
		});
		expect((await call("GET", `/v1/jobs/${job.id}`, { bearer: DEV_KEY })).status).toBe(404);
		await runDurableObjectAlarm(stub);
		const left = await runInDurableObject(stub, (_i, s) => ({
			jobs: s.storage.sql.exec("SELECT count(*) AS n FROM jobs WHERE job_id = ?", job.id).one().n,
			output: s.storage.sql.exec("SELECT count(*) AS n FROM job_output WHERE job_id = ?", job.id).one().n,
		}));
		expect(left).toEqual({ jobs: 0, output: 0 });
	});

	it("names the field of a bad body: request.stream, webhook.url", async () => {
		const streamed = await postJob({ request: chatBody({ stream: true }) });
		expect(streamed.status).toBe(400);
		expect((await errorOf(streamed)).message).toMatch(/request\.stream/);
		const http = await postJob({ request: chatBody(), webhook: { url: "http://example.com/hook" } });
		expect(http.status).toBe(400);
		expect((await errorOf(http)).param).toBe("webhook.url");
		const creds = await postJob({ request: chatBody(), webhook: { url: "https://u:p@example.com/hook" } });
		expect((await errorOf(creds)).message).toMatch(/without credentials/);
	});
});
