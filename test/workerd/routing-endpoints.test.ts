/** The router sends a job only to zones whose nodes serve its endpoint, and the content parts it carries. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/http/errors.js";
import { contentInputs, refuseUnservedInputs } from "../../src/openai/content-inputs.js";
import type { ClientLocation } from "../../src/routing/client-location.js";
import { applyConstraints } from "../../src/routing/constraints.js";
import { DEV_KEY, MODEL } from "./edge-fixtures.js";
import { directoryZone, liveZone } from "./routing-fixtures.js";

const FRANKFURT: ClientLocation = { lat: 50.11, lon: 8.68, source: "cf" };

const chatOnly = directoryZone({ zoneId: "chat-only", modelDetails: { [MODEL]: { endpoints: ["chat/completions"] } } });
const embeds = directoryZone({ zoneId: "embeds", modelDetails: { [MODEL]: { endpoints: ["embeddings"] } } });
const vision = directoryZone({
	zoneId: "vision",
	modelDetails: { [MODEL]: { endpoints: ["chat/completions", "completions"], inputs: ["image_url"] } },
});
const legacy = directoryZone({ zoneId: "legacy" });

describe("routing by endpoint", () => {
	it("leaves out zones whose nodes do not serve the endpoint for the model", () => {
		const zones = [chatOnly, embeds, vision, legacy];
		const embeddings = applyConstraints(zones, { model: MODEL, endpoint: "embeddings" }, FRANKFURT);
		expect(embeddings.eligible.map((e) => e.zone.zoneId)).toEqual(["embeds"]);
		expect(embeddings.excluded).toEqual([
			{ zoneId: "chat-only", reason: "endpoint" },
			{ zoneId: "vision", reason: "endpoint" },
			{ zoneId: "legacy", reason: "endpoint" },
		]);
		const completions = applyConstraints(zones, { model: MODEL, endpoint: "completions" }, FRANKFURT);
		expect(completions.eligible.map((e) => e.zone.zoneId)).toEqual(["vision"]);
	});

	it("takes a request without an endpoint as chat completions, which zones without details serve", () => {
		const result = applyConstraints([chatOnly, embeds, legacy], { model: MODEL }, FRANKFURT);
		expect(result.eligible.map((e) => e.zone.zoneId)).toEqual(["chat-only", "legacy"]);
		expect(result.excluded).toEqual([{ zoneId: "embeds", reason: "endpoint" }]);
	});

	it("sends image content only to zones whose nodes take images", () => {
		const result = applyConstraints([chatOnly, vision], { model: MODEL, inputs: ["image_url"] }, FRANKFURT);
		expect(result.eligible.map((e) => e.zone.zoneId)).toEqual(["vision"]);
		expect(result.excluded).toEqual([{ zoneId: "chat-only", reason: "input" }]);
		const audio = applyConstraints([vision], { model: MODEL, inputs: ["image_url", "input_audio"] }, FRANKFURT);
		expect(audio.excluded).toEqual([{ zoneId: "vision", reason: "input" }]);
	});
});

describe("content parts beyond text", () => {
	const messages = [
		{ role: "system", content: "be brief" },
		{
			role: "user",
			content: [
				{ type: "text", text: "what is this" },
				{ type: "image_url", image_url: { url: "x" } },
			],
		},
		{ role: "user", content: [{ type: "input_audio", input_audio: { data: "", format: "wav" } }] },
		{ role: "user", content: [{ type: "image_url", image_url: { url: "y" } }] },
	];

	it("finds each modality at its first content part", () => {
		expect(contentInputs(messages)).toEqual([
			{ modality: "image_url", path: "messages[1].content[1]" },
			{ modality: "input_audio", path: "messages[2].content[0]" },
		]);
		expect(contentInputs([{ content: "text" }, { content: [{ type: "text", text: "t" }] }])).toEqual([]);
	});

	it("refuses with a 400 naming the first part no live node takes", () => {
		const directory = { zones: [chatOnly, vision], fetchedAt: 0 };
		let error: unknown;
		try {
			refuseUnservedInputs(directory, MODEL, contentInputs(messages));
		} catch (err) {
			error = err;
		}
		expect(error).toBeInstanceOf(ApiError);
		const body = (error as ApiError).toBody().error;
		expect((error as ApiError).status).toBe(400);
		expect(body.param).toBe("messages[2].content[0]");
		expect(body.code).toBe("unsupported_content_part");
		expect(body.message).toContain('"input_audio"');
		expect(body.message).toContain('text and "image_url"');
	});

	it("lets through parts some live node takes, and leaves a model nobody serves to the router", () => {
		const images = contentInputs(messages.slice(0, 2));
		expect(() => refuseUnservedInputs({ zones: [chatOnly, vision], fetchedAt: 0 }, MODEL, images)).not.toThrow();
		expect(() => refuseUnservedInputs({ zones: [chatOnly], fetchedAt: 0 }, "other", images)).not.toThrow();
		const dead = directoryZone({ zoneId: "dead", liveNodes: 0, modelDetails: vision.modelDetails });
		expect(() => refuseUnservedInputs({ zones: [chatOnly, dead], fetchedAt: 0 }, MODEL, images)).toThrow(ApiError);
	});

	it("answers 503 naming the endpoint when zones serve the model, none of them on the request's endpoint", async () => {
		// A node that reports no model details serves chat completions only.
		await liveZone("eu-frankfurt");
		const res = await exports.default.fetch(
			new Request("http://edge/v1/embeddings", {
				method: "POST",
				headers: { "content-type": "application/json", authorization: `Bearer ${DEV_KEY}` },
				body: JSON.stringify({ model: MODEL, input: "hello" }),
			}),
		);
		expect(res.status).toBe(503);
		const body = (await res.json()) as { error: { code: string; message: string } };
		expect(body.error.code).toBe("no_capacity");
		expect(body.error.message).toContain("no live node serves it on /v1/embeddings (zones eu-frankfurt serve it");
	});
});
