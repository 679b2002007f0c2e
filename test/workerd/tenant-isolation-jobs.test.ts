/**
 * Tenant isolation on every client endpoint that takes an id (GET and DELETE
 * /v1/jobs/{id}), with two real tenants and their own API keys: tenant B can
 * neither read, cancel nor learn of tenant A's job, and sees the same 404 as
 * for an id that does not exist. The same Idempotency-Key in two tenants
 * makes two jobs.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createKey, createTenant } from "./api-key-fixtures.js";
import { agentCall, call, chatBody, enrollNode, errorOf, pollBody } from "./edge-fixtures.js";

const ZONE = "eu-stockholm";

function postJob(key: string, idempotencyKey?: string): Promise<Response> {
	return exports.default.fetch("http://edge/v1/jobs", {
		method: "POST",
		headers: {
			authorization: `Bearer ${key}`,
			"content-type": "application/json",
			...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
		},
		body: JSON.stringify({ request: chatBody() }),
	});
}

describe("tenant isolation of async jobs", () => {
	let keyA: string;
	let keyB: string;

	beforeAll(async () => {
		const node = await enrollNode(ZONE);
		expect((await agentCall(node, "/poll", pollBody())).status).toBe(200);
		await runDurableObjectAlarm(env.GEOZONE.getByName(ZONE));
		await createTenant("tenant_iso_a");
		await createTenant("tenant_iso_b");
		keyA = (await createKey("tenant_iso_a", { scopes: ["inference", "jobs"] })).key;
		keyB = (await createKey("tenant_iso_b", { scopes: ["inference", "jobs"] })).key;
	});

	it("lets the owner read its job, and answers another tenant exactly as for an unknown id", async () => {
		const created = await postJob(keyA);
		expect(created.status).toBe(202);
		const { id } = (await created.json()) as { id: string };
		expect((await call("GET", `/v1/jobs/${id}`, { bearer: keyA })).status).toBe(200);

		const theirs = await call("GET", `/v1/jobs/${id}`, { bearer: keyB });
		const unknown = await call("GET", `/v1/jobs/job_${"z".repeat(24)}`, { bearer: keyB });
		expect(theirs.status).toBe(404);
		expect(unknown.status).toBe(404);
		const theirsError = await errorOf(theirs);
		const unknownError = await errorOf(unknown);
		expect(theirsError.code).toBe(unknownError.code);
		expect(theirsError.message.replace(id, "ID")).toBe(unknownError.message.replace(`job_${"z".repeat(24)}`, "ID"));
	});

	it("refuses another tenant's cancel with 404 and leaves the job running for its owner", async () => {
		const created = await postJob(keyA);
		const { id } = (await created.json()) as { id: string };
		const cancel = await call("DELETE", `/v1/jobs/${id}`, { bearer: keyB });
		expect(cancel.status).toBe(404);
		const still = (await (await call("GET", `/v1/jobs/${id}`, { bearer: keyA })).json()) as { status: string };
		expect(still.status).not.toBe("cancelled");
		const own = await call("DELETE", `/v1/jobs/${id}`, { bearer: keyA });
		expect(own.status).toBe(200);
		expect(((await own.json()) as { status: string }).status).toBe("cancelled");
	});

	it("keeps Idempotency-Keys per tenant: the same key in two tenants makes two jobs", async () => {
		const a = (await (await postJob(keyA, "same-key-1")).json()) as { id: string };
		const b = (await (await postJob(keyB, "same-key-1")).json()) as { id: string };
		expect(a.id).not.toBe(b.id);
		expect((await call("GET", `/v1/jobs/${a.id}`, { bearer: keyB })).status).toBe(404);
	});
});
