/** GET /metrics: who may scrape it, the text it answers, and counters that move with a real job. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { metricsToken } from "../../src/metrics/metrics-auth.js";
import type { TestNode } from "./edge-fixtures.js";
import { ADMIN_KEY, call, DEV_KEY, errorOf } from "./edge-fixtures.js";
import { answer, complete, FRANKFURT_CF, liveZone, pollJob } from "./routing-fixtures.js";

const METRICS_TOKEN = "metrics-token-for-the-tests-0000";

/** The value of the one sample whose name and labels (in the text's sorted order) match, or undefined. */
function sample(text: string, series: string): number | undefined {
	const line = text.split("\n").find((l) => l.startsWith(`${series} `));
	return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(bearer = ADMIN_KEY): Promise<string> {
	const res = await call("GET", "/metrics", { bearer });
	expect(res.status).toBe(200);
	expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
	return res.text();
}

/** Calls the app with ARCNET_METRICS_TOKEN set, as a deployment with the secret would. */
async function withToken(path: string, bearer: string): Promise<Response> {
	const ctx = createExecutionContext();
	const res = await createApp().request(
		path,
		{ headers: { authorization: `Bearer ${bearer}` } },
		{ ...env, ARCNET_METRICS_TOKEN: METRICS_TOKEN },
		ctx,
	);
	await waitOnExecutionContext(ctx);
	return res;
}

describe("GET /metrics", () => {
	let frankfurt: TestNode;

	beforeAll(async () => {
		frankfurt = await liveZone("eu-frankfurt");
	});

	it("refuses a caller without a key, and a client key without the admin scope", async () => {
		expect((await call("GET", "/metrics")).status).toBe(401);
		const res = await call("GET", "/metrics", { bearer: DEV_KEY });
		expect(res.status).toBe(401);
		expect((await errorOf(res)).message).toMatch(/admin key/);
	});

	it("moves the job, token and tenant counters and the latency histograms when a job runs", async () => {
		const before = await scrape();
		const zone = 'zone="eu-frankfurt"';
		const jobs = `arcnet_zone_jobs_total{code="",outcome="succeeded",${zone}}`;
		const tokensOut = `arcnet_zone_tokens_total{direction="out",${zone}}`;
		const tenantJobs = 'arcnet_tenant_jobs_total{tenant="tenant_dev"}';
		const ttftCount = `arcnet_zone_ttft_seconds_count{${zone}}`;
		const pending = complete({ cf: FRANKFURT_CF });
		await answer(frankfurt, await pollJob(frankfurt));
		expect((await pending).status).toBe(200);
		const after = await scrape();
		expect((sample(after, jobs) ?? 0) - (sample(before, jobs) ?? 0)).toBe(1);
		expect((sample(after, tokensOut) ?? 0) - (sample(before, tokensOut) ?? 0)).toBe(1);
		expect((sample(after, tenantJobs) ?? 0) - (sample(before, tenantJobs) ?? 0)).toBe(1);
		expect((sample(after, ttftCount) ?? 0) - (sample(before, ttftCount) ?? 0)).toBe(1);
		expect(sample(after, `arcnet_zone_ttft_seconds_bucket{le="+Inf",${zone}}`)).toBe(sample(after, ttftCount));
		expect(sample(after, `arcnet_zone_live_nodes{${zone}}`)).toBe(1);
		expect(sample(after, `arcnet_zone_up{${zone}}`)).toBe(1);
		expect(after).toContain("# TYPE arcnet_zone_jobs_total counter");
		expect(after).toContain("# TYPE arcnet_zone_ttft_seconds histogram");
		expect(after).toMatch(new RegExp(`^arcnet_node_slots\\{node="${frankfurt.nodeId}",${zone}\\} 4$`, "m"));
	});

	it("carries no job id and no prompt text", async () => {
		const pending = complete({
			cf: FRANKFURT_CF,
			body: { messages: [{ role: "user", content: "secret-prompt-words" }] },
		});
		const job = await pollJob(frankfurt);
		await answer(frankfurt, job);
		await pending;
		const text = await scrape();
		expect(text).not.toContain(job.jobId);
		expect(text).not.toContain("secret-prompt-words");
	});

	it("accepts the dedicated metrics token, which opens nothing else", async () => {
		expect((await withToken("/metrics", METRICS_TOKEN)).status).toBe(200);
		expect((await withToken("/metrics", `${METRICS_TOKEN}x`)).status).toBe(401);
		expect((await withToken("/admin/v1/zones", METRICS_TOKEN)).status).toBe(401);
	});

	it("refuses a metrics token too short to be a secret, naming it and its length", () => {
		expect(() => metricsToken({ ARCNET_METRICS_TOKEN: "short" })).toThrow(
			/ARCNET_METRICS_TOKEN: want a string of at least 24 characters, got string of length 5/,
		);
		expect(metricsToken({})).toBeUndefined();
	});

	it("refuses a query parameter, naming it", async () => {
		const res = await call("GET", "/metrics?zone=eu-frankfurt", { bearer: ADMIN_KEY });
		expect(res.status).toBe(400);
		expect(await errorOf(res)).toMatchObject({ param: "zone", code: "unknown_parameter" });
	});
});
