import { beforeAll, describe, expect, it } from "vitest";
import { createKey, createTenant, models } from "./api-key-fixtures.js";
import { call, chatBody, errorOf, MODEL, type TestNode } from "./edge-fixtures.js";
import { answer, complete, FRANKFURT_CF, liveZone, pollJob } from "./routing-fixtures.js";

const TENANT = "tenant_restricted";

/** A chat completion from Frankfurt with `key` and optional x-arcnet-regions. */
function completeWith(key: string, regions?: string, model = MODEL): Promise<Response> {
	return complete({
		cf: FRANKFURT_CF,
		headers: { authorization: `Bearer ${key}`, ...(regions ? { "x-arcnet-regions": regions } : {}) },
		body: { model },
	});
}

async function modelIds(key: string): Promise<string[]> {
	const res = await models(key);
	expect(res.status).toBe(200);
	return ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
}

describe("API key scopes and restrictions", () => {
	let frankfurt: TestNode;
	let oslo: TestNode;

	beforeAll(async () => {
		await createTenant(TENANT);
		frankfurt = await liveZone("eu-frankfurt");
		oslo = await liveZone("eu-oslo");
	});

	it("refuses inference endpoints with 403 missing_scope to a key without the inference scope", async () => {
		const jobsOnly = await createKey(TENANT, { scopes: ["jobs"] });
		for (const res of [
			await models(jobsOnly.key),
			await call("POST", "/v1/chat/completions", { bearer: jobsOnly.key, body: chatBody() }),
		]) {
			expect(res.status).toBe(403);
			const error = await errorOf(res);
			expect(error.code).toBe("missing_scope");
			expect(error.message).toContain('lacks the "inference" scope (it has ["jobs"])');
		}
	});

	it("refuses a model outside the key's list with 403 model_not_allowed naming both", async () => {
		const key = await createKey(TENANT, { allowedModels: ["other-model:7b"] });
		const res = await completeWith(key.key);
		expect(res.status).toBe(403);
		const error = await errorOf(res);
		expect(error.code).toBe("model_not_allowed");
		expect(error.message).toBe(`This API key may not use model "${MODEL}"; it may use ["other-model:7b"].`);
	});

	it("lists only the models the key may use", async () => {
		const narrow = await createKey(TENANT, { allowedModels: ["other-model:7b"] });
		const wide = await createKey(TENANT, { allowedModels: [MODEL, "other-model:7b"] });
		expect(await modelIds(narrow.key)).toEqual([]);
		expect(await modelIds(wide.key)).toEqual([MODEL]);
	});

	it("routes a key limited to a region only to zones carrying that tag", async () => {
		const norway = await createKey(TENANT, { allowedRegions: ["no"] });
		const pending = completeWith(norway.key);
		await answer(oslo, await pollJob(oslo));
		const res = await pending;
		expect(res.status).toBe(200);
		expect(res.headers.get("x-arcnet-zone")).toBe("eu-oslo");
	});

	it("checks the request's regions and the key's separately, so an eu key may ask for de", async () => {
		const eu = await createKey(TENANT, { allowedRegions: ["eu"] });
		const pending = completeWith(eu.key, "de");
		await answer(frankfurt, await pollJob(frankfurt));
		const res = await pending;
		expect(res.status).toBe(200);
		expect(res.headers.get("x-arcnet-zone")).toBe("eu-frankfurt");
	});

	it("answers 403 region_not_allowed when no zone of the catalogue could satisfy both", async () => {
		const norway = await createKey(TENANT, { allowedRegions: ["no"] });
		const res = await completeWith(norway.key, "de");
		expect(res.status).toBe(403);
		const error = await errorOf(res);
		expect(error.code).toBe("region_not_allowed");
		expect(error.message).toBe(
			'No zone matches the requested regions ["de"] and this API key\'s allowed regions ["no"].',
		);

		const nowhere = await createKey(TENANT, { allowedRegions: ["atlantis"] });
		expect((await errorOf(await completeWith(nowhere.key))).code).toBe("region_not_allowed");
	});

	it("answers the usual 503 when allowed zones exist but none is live", async () => {
		const japan = await createKey(TENANT, { allowedRegions: ["jp"] });
		const res = await completeWith(japan.key);
		expect(res.status).toBe(503);
		expect((await errorOf(res)).code).toBe("no_capacity");
		expect(await modelIds(japan.key)).toEqual([]);
	});
});
