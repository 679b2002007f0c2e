import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { agentCall, call, chatBody, DEV_KEY, enrollNode, MODEL, pollBody } from "./edge-fixtures.js";

async function publishStatus(zoneId: string, liveNodes: number, freeSlots: number) {
	await env.DB.prepare(
		`INSERT OR REPLACE INTO zone_status (zone_id, live_nodes, models, slots, free_slots, queue_depth, updated_at)
		 VALUES (?, ?, ?, ?, ?, 0, ?)`,
	)
		.bind(zoneId, liveNodes, JSON.stringify([MODEL]), freeSlots, freeSlots, Date.now())
		.run();
}

describe("routing with a stale zone directory", () => {
	it("submits to the next candidate when the first zone refuses, and never loses the job", async () => {
		const node = await enrollNode("eu-frankfurt");
		expect((await agentCall(node, "/poll", pollBody())).status).toBe(200);
		await publishStatus("eu-frankfurt", 1, 4);
		// us-virginia looks best on paper (more free slots) but its object has no live node and refuses.
		await publishStatus("us-virginia", 3, 64);

		const pending = call("POST", "/v1/chat/completions", { bearer: DEV_KEY, body: chatBody() });
		let job: { jobId: string; leaseId: string } | undefined;
		while (!job) {
			const res = await agentCall(node, "/poll", pollBody(5_000));
			job = ((await res.json()) as { jobs: { jobId: string; leaseId: string }[] }).jobs[0];
		}
		await agentCall(node, `/jobs/${job.jobId}/events`, {
			leaseId: job.leaseId,
			events: [{ seq: 0, type: "done", finishReason: "stop", usage: { prompt_tokens: 1, completion_tokens: 0 } }],
		});
		const res = await pending;
		expect(res.status).toBe(200);
		expect(res.headers.get("x-arcnet-zone")).toBe("eu-frankfurt");
		expect(res.headers.get("x-arcnet-route")).toBe(
			"strategy=first-available; chosen=eu-frankfurt; refused=us-virginia:no_live_node",
		);
	});
});
