import { beforeAll, describe, expect, it } from "vitest";
import { createKey, createTenant } from "./api-key-fixtures.js";
import { agentCall, call, DEV_KEY, enrollNode, MODEL, pollBody, type TestNode } from "./edge-fixtures.js";
import { advertise } from "./routing-fixtures.js";

const ZONE = "eu-paris";
const SLASHED = "org-x/Embed-2.1";
const TENANT = "tenant-models";

async function publish(node: TestNode, models: string[], details: unknown[]): Promise<void> {
	expect((await agentCall(node, "/poll", { ...pollBody(), models })).status).toBe(200);
	await advertise(node, models, details);
}

type ModelObject = { id: string; object: string; created: number; owned_by: string; arcnet: Record<string, unknown> };

describe("the models endpoints", () => {
	beforeAll(async () => {
		const node = await enrollNode(ZONE);
		await publish(
			node,
			[MODEL, SLASHED],
			[
				{ model: MODEL, endpoints: ["chat/completions", "completions"], inputs: ["image_url"], contextLength: 8192 },
				{ model: SLASHED, endpoints: ["embeddings"], contextLength: 512 },
			],
		);
		await createTenant(TENANT);
	});

	it("lists each served model in OpenAI's shape, with its zones, endpoints, inputs and context length", async () => {
		const res = await call("GET", "/v1/models", { bearer: DEV_KEY });
		expect(res.status).toBe(200);
		const body = (await res.json()) as { object: string; data: ModelObject[] };
		expect(body.object).toBe("list");
		const slashed = body.data.find((m) => m.id === SLASHED);
		expect(slashed).toMatchObject({ object: "model", owned_by: "arcnet" });
		expect(Number.isInteger(slashed?.created)).toBe(true);
		expect(slashed?.arcnet).toEqual({ zones: [ZONE], endpoints: ["embeddings"], inputs: [], context_length: 512 });
		const chat = body.data.find((m) => m.id === MODEL);
		expect(chat?.arcnet.zones).toContain(ZONE);
		expect(chat?.arcnet.endpoints).toEqual(expect.arrayContaining(["chat/completions", "completions"]));
		expect(chat?.arcnet.inputs).toContain("image_url");
	});

	it("answers one model by id, an id with a slash included", async () => {
		const res = await call("GET", `/v1/models/${SLASHED}`, { bearer: DEV_KEY });
		expect(res.status).toBe(200);
		const model = (await res.json()) as ModelObject;
		expect(model).toMatchObject({ id: SLASHED, object: "model", owned_by: "arcnet", arcnet: { zones: [ZONE] } });
		const listed = (await (await call("GET", "/v1/models", { bearer: DEV_KEY })).json()) as { data: ModelObject[] };
		expect(listed.data.find((m) => m.id === SLASHED)).toEqual(model);
	});

	it("answers 404 model_not_found in OpenAI's shape for a model no live node serves", async () => {
		const res = await call("GET", "/v1/models/no-such-model:1b", { bearer: DEV_KEY });
		expect(res.status).toBe(404);
		const { error } = (await res.json()) as { error: Record<string, unknown> };
		expect(error).toMatchObject({ type: "invalid_request_error", param: "model", code: "model_not_found" });
		expect(error.message).toContain('"no-such-model:1b"');
	});

	it("answers 404 for a model the key may not use, and leaves it out of the list", async () => {
		const key = await createKey(TENANT, { allowedModels: [SLASHED] });
		expect((await call("GET", `/v1/models/${MODEL}`, { bearer: key.key })).status).toBe(404);
		expect((await call("GET", `/v1/models/${SLASHED}`, { bearer: key.key })).status).toBe(200);
		const listed = (await (await call("GET", "/v1/models", { bearer: key.key })).json()) as { data: ModelObject[] };
		expect(listed.data.map((m) => m.id)).toEqual([SLASHED]);
	});

	it("leaves out zones outside the key's regions", async () => {
		const key = await createKey(TENANT, { allowedRegions: ["us"] });
		const res = await call("GET", `/v1/models/${SLASHED}`, { bearer: key.key });
		expect(res.status).toBe(404);
	});

	it("asks for the API key", async () => {
		expect((await call("GET", `/v1/models/${MODEL}`)).status).toBe(401);
	});
});
