import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeJobStream, type JobStreamEvent } from "../../src/protocol/job-stream.js";
import {
	ADMIN_KEY,
	agentCall,
	call,
	enrollNode,
	errorOf,
	MODEL,
	newKeyPair,
	pollBody,
	signAgentJwt,
	type TestNode,
} from "./edge-fixtures.js";

const ZONE = "eu-stockholm";

function base64url(value: unknown): string {
	return btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** A leased job: node `owner` polled it; the test reads its output stream. */
interface Leased {
	jobId: string;
	leaseId: string;
	events: AsyncGenerator<JobStreamEvent>;
}

async function submitAndLease(owner: TestNode): Promise<Leased> {
	// A zone refuses jobs while it has no live node: the owner's first poll makes it live.
	expect((await agentCall(owner, "/poll", pollBody())).status).toBe(200);
	const jobId = `job_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
	const result = await env.GEOZONE.getByName(ZONE).submit({
		zoneId: ZONE,
		jobId,
		tenantId: "tenant_dev",
		model: MODEL,
		requestJson: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
		stream: true,
		receivedAt: Date.now(),
		routingJson: JSON.stringify({ strategy: "test" }),
	});
	if (!result.accepted) throw new Error(`submit refused: ${result.reason}`);
	const events = decodeJobStream(result.stream);
	const res = await agentCall(owner, "/poll", pollBody());
	expect(res.status).toBe(200);
	const { jobs } = (await res.json()) as { jobs: { jobId: string; leaseId: string }[] };
	const job = jobs.find((j) => j.jobId === jobId);
	if (!job) throw new Error("the owner did not lease the job");
	return { jobId, leaseId: job.leaseId, events };
}

/** Proves the refused post changed nothing: the owner's seq 0 is still accepted and is the first output. */
async function expectOwnerStillHoldsLease(owner: TestNode, leased: Leased) {
	const ok = await agentCall(owner, `/jobs/${leased.jobId}/events`, {
		leaseId: leased.leaseId,
		events: [
			{ seq: 0, type: "delta", text: "owner" },
			{ seq: 1, type: "done", finishReason: "stop", usage: { prompt_tokens: 1, completion_tokens: 1 } },
		],
	});
	expect(ok.status).toBe(200);
	const outputs: JobStreamEvent[] = [];
	for await (const event of leased.events) if (event.type !== "assigned") outputs.push(event);
	expect(outputs[0]).toEqual({ type: "delta", text: "owner" });
	expect(outputs.filter((e) => e.type === "delta")).toHaveLength(1);
}

function intruderPost(leased: Leased, jwt: string) {
	return call("POST", `/agent/v1/jobs/${leased.jobId}/events`, {
		bearer: jwt,
		body: { leaseId: leased.leaseId, events: [{ seq: 0, type: "delta", text: "intruder" }] },
	});
}

describe("agent authentication refusals", () => {
	let owner: TestNode;
	beforeAll(async () => {
		owner = await enrollNode(ZONE);
	});

	it("refuses a JWT of an unknown node with 401 and changes nothing", async () => {
		const leased = await submitAndLease(owner);
		const stranger = { nodeId: "node_neverenrolled0000000000", privateKey: (await newKeyPair()).privateKey };
		const res = await intruderPost(leased, await signAgentJwt(stranger));
		expect(res.status).toBe(401);
		expect((await errorOf(res)).message).toMatch(/unknown node/);
		await expectOwnerStillHoldsLease(owner, leased);
	});

	it("refuses a JWT signed with another key with 401 and changes nothing", async () => {
		const leased = await submitAndLease(owner);
		const forged = { nodeId: owner.nodeId, privateKey: (await newKeyPair()).privateKey };
		const res = await intruderPost(leased, await signAgentJwt(forged));
		expect(res.status).toBe(401);
		await expectOwnerStillHoldsLease(owner, leased);
	});

	it("refuses an expired JWT with 401", async () => {
		const now = Math.floor(Date.now() / 1000);
		const jwt = await signAgentJwt(owner, { iat: now - 600, exp: now - 300 });
		const res = await agentCall(owner, "/poll", pollBody(), jwt);
		expect(res.status).toBe(401);
		expect((await errorOf(res)).code).toBe("invalid_agent_token");
	});

	it("refuses a JWT with the wrong audience with 401", async () => {
		const res = await agentCall(owner, "/poll", pollBody(), await signAgentJwt(owner, { aud: "someone-else" }));
		expect(res.status).toBe(401);
	});

	it("refuses a JWT whose sub is not its kid with 401", async () => {
		const res = await agentCall(
			owner,
			"/poll",
			pollBody(),
			await signAgentJwt(owner, { sub: "node_someoneelse00000000000" }),
		);
		expect(res.status).toBe(401);
	});

	it("refuses alg none with 401 and changes nothing", async () => {
		const leased = await submitAndLease(owner);
		const now = Math.floor(Date.now() / 1000);
		const unsigned = `${base64url({ alg: "none", kid: owner.nodeId })}.${base64url({
			sub: owner.nodeId,
			aud: "arcnet-agent-api",
			iat: now,
			exp: now + 60,
		})}.`;
		const res = await intruderPost(leased, unsigned);
		expect(res.status).toBe(401);
		expect((await errorOf(res)).message).toMatch(/alg/);
		await expectOwnerStillHoldsLease(owner, leased);
	});

	it("refuses an HS256 JWT with 401", async () => {
		const jwt = await new SignJWT({})
			.setProtectedHeader({ alg: "HS256", kid: owner.nodeId })
			.setSubject(owner.nodeId)
			.setAudience("arcnet-agent-api")
			.setIssuedAt()
			.setExpirationTime("1m")
			.sign(new TextEncoder().encode("a-shared-secret-guessed-by-someone"));
		const res = await agentCall(owner, "/poll", pollBody(), jwt);
		expect(res.status).toBe(401);
	});

	it("refuses a request without a JWT with 401", async () => {
		const res = await call("POST", "/agent/v1/telemetry", { body: {} });
		expect(res.status).toBe(401);
	});

	it("refuses a post for a lease the node does not hold with 409 and changes nothing", async () => {
		const other = await enrollNode(ZONE);
		const leased = await submitAndLease(owner);
		const res = await intruderPost(leased, await signAgentJwt(other));
		expect(res.status).toBe(409);
		expect((await errorOf(res)).code).toBe("lease_not_held");
		await expectOwnerStillHoldsLease(owner, leased);
	});

	it("validates an authenticated poll body, naming the field's whole range", async () => {
		const res = await agentCall(owner, "/poll", { ...pollBody(), maxJobs: 0 });
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.param).toBe("maxJobs");
		expect(error.message).toBe("maxJobs: expected an integer from 1 to 64, got 0 (number)");
	});

	it("answers 404 for events of a job the zone does not know", async () => {
		const res = await agentCall(owner, "/jobs/job_doesnotexist0000000000000/events", {
			leaseId: "lease_doesnotexist000000000",
			events: [{ seq: 0, type: "delta", text: "x" }],
		});
		expect(res.status).toBe(404);
		expect((await errorOf(res)).code).toBe("job_not_found");
	});

	it("refuses a revoked node with 403 node_revoked and does not count it live", async () => {
		const doomed = await enrollNode(ZONE);
		const revoke = await call("POST", `/admin/v1/nodes/${doomed.nodeId}/revoke`, { bearer: ADMIN_KEY });
		expect(revoke.status).toBe(200);
		const before = await env.GEOZONE.getByName(ZONE).summary(ZONE);
		const res = await agentCall(doomed, "/poll", { ...pollBody(), models: ["only-the-doomed-serve-this"] });
		expect(res.status).toBe(403);
		expect((await errorOf(res)).code).toBe("node_revoked");
		const after = await env.GEOZONE.getByName(ZONE).summary(ZONE);
		expect(after.models).not.toContain("only-the-doomed-serve-this");
		expect(after.liveNodes).toBe(before.liveNodes);
	});
});
