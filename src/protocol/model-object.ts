/**
 * The shapes GET /v1/models and GET /v1/models/{id} answer: OpenAI's model
 * object, with what ArcNet knows of the model under `arcnet`. The handlers
 * build values of these types and the OpenAPI document is generated from
 * these schemas (src/openai/openapi.ts).
 */
import * as z from "zod";
import { INPUT_MODALITIES, OPENAI_ENDPOINTS } from "./model-serving.js";

/** One model a client may use now. */
export const modelObjectSchema = z.object({
	id: z.string().describe("The model id, as requests name it"),
	object: z.literal("model"),
	created: z.number().int().describe("When the earliest zone report still listing it was written (epoch s)"),
	owned_by: z.string().describe("Always `arcnet`: the network serves the model, whoever published it"),
	arcnet: z
		.object({
			zones: z.array(z.string()).describe("Zones with a live node serving it that the API key may use"),
			endpoints: z.array(z.enum(OPENAI_ENDPOINTS)).describe("Endpoints some live node serves it on"),
			inputs: z.array(z.enum(INPUT_MODALITIES)).describe("Content part types beyond text some live node takes"),
			context_length: z.number().int().nullable().describe("Largest context length (tokens) a node reports"),
		})
		.describe("ArcNet's additions"),
});
export type ModelObject = z.infer<typeof modelObjectSchema>;

/** GET /v1/models. */
export const modelListSchema = z.object({ object: z.literal("list"), data: z.array(modelObjectSchema) });

/** OpenAI's error body, which every refusal of the client API answers. */
export const openAiErrorBodySchema = z.object({
	error: z.object({
		message: z.string(),
		type: z.string(),
		param: z.string().nullable(),
		code: z.string().nullable(),
	}),
});
