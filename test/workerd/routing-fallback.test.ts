import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { TestNode } from "./edge-fixtures.js";
import { MODEL } from "./edge-fixtures.js";
import { answer, complete, FRANKFURT_CF, failBeforeOutput, liveZone, pollJob } from "./routing-fixtures.js";

/** A status row as if eu-oslo's object had reported a live node: its object has none and refuses. */
async function publishPhantomOslo() {
	await env.DB.prepare(
		`INSERT OR REPLACE INTO zone_status (zone_id, live_nodes, models, slots, free_slots, queue_depth, updated_at)
		 VALUES ('eu-oslo', 3, ?, 64, 64, 0, ?)`,
	)
		.bind(JSON.stringify([MODEL]), Date.now())
		.run();
}

const carbon = { headers: { "x-arcnet-policy": "carbon" }, cf: FRANKFURT_CF };

describe("routing fallbacks", () => {
	let frankfurt: TestNode;
	let stockholm: TestNode;

	beforeAll(async () => {
		frankfurt = await liveZone("eu-frankfurt");
		stockholm = await liveZone("eu-stockholm");
		await publishPhantomOslo();
	});

	it("submits to the next candidate when a zone refuses, and never loses the job", async () => {
		// Under carbon, eu-stockholm (21 g/kWh) ranks first, then eu-oslo (27) which refuses: no node is there.
		const pending = complete({ ...carbon, headers: { ...carbon.headers, "x-arcnet-regions": "no,de" } });
		const job = await pollJob(frankfurt);
		await answer(frankfurt, job);
		const res = await pending;
		expect(res.status).toBe(200);
		expect(res.headers.get("x-arcnet-zone")).toBe("eu-frankfurt");
		const route = res.headers.get("x-arcnet-route") ?? "";
		expect(route).toContain("chosen=eu-frankfurt");
		expect(route).toContain("refused=eu-oslo:no_live_node");
		expect(route).toMatch(/excluded=.*eu-stockholm:region/);
	});

	it("resubmits a job that failed before its first token to the next zone, under a new job id", async () => {
		const pending = complete({ ...carbon, headers: { ...carbon.headers, "x-arcnet-regions": "se,de" } });
		const failed = await pollJob(stockholm);
		await failBeforeOutput(stockholm, failed, "backend_unreachable");
		const retried = await pollJob(frankfurt);
		expect(retried.jobId).not.toBe(failed.jobId);
		await answer(frankfurt, retried);

		const res = await pending;
		expect(res.status).toBe(200);
		expect(res.headers.get("x-arcnet-zone")).toBe("eu-frankfurt");
		expect(res.headers.get("x-arcnet-job-id")).toBe(retried.jobId);
		expect(res.headers.get("x-arcnet-route")).toContain("refused=eu-stockholm:failed:backend_unreachable");
		const body = (await res.json()) as { choices: { message: { content: string } }[] };
		expect(body.choices[0]?.message.content).toBe("Hi");
	});

	it("does not retry a job whose failure is the request's own fault", async () => {
		const pending = complete({ ...carbon, headers: { ...carbon.headers, "x-arcnet-regions": "se,de" } });
		const job = await pollJob(stockholm);
		await failBeforeOutput(stockholm, job, "context_length_exceeded");
		const res = await pending;
		expect(res.status).toBe(400);
		expect(res.headers.get("x-arcnet-zone")).toBe("eu-stockholm");
	});
});
