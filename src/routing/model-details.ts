/**
 * What a zone serves of each model, as routers read it from the zone
 * directory: which endpoints, which extra inputs, what context length. A
 * model the zone's row says nothing about (a row written before zones kept
 * these details) is served for chat completions, text only.
 */
import {
	type InputModality,
	LEGACY_MODEL_SERVING,
	type ModelServing,
	modelServingSchema,
	type OpenAiEndpoint,
} from "../protocol/model-serving.js";

/** The zone_status `model_details` JSON, read for each of the zone's models; what does not parse is the legacy default. */
export function parseModelDetails(json: string | null, models: readonly string[]): Record<string, ModelServing> {
	let raw: Record<string, unknown> = {};
	try {
		const value: unknown = json ? JSON.parse(json) : {};
		if (typeof value === "object" && value !== null && !Array.isArray(value)) raw = value as Record<string, unknown>;
	} catch {
		raw = {};
	}
	const details: Record<string, ModelServing> = {};
	for (const model of models) {
		const parsed = modelServingSchema.safeParse(raw[model]);
		details[model] = parsed.success ? parsed.data : LEGACY_MODEL_SERVING;
	}
	return details;
}

/** What a zone serves of `model`, or null when it does not list the model. */
export function servingOf(
	zone: { models: readonly string[]; modelDetails: Readonly<Record<string, ModelServing>> },
	model: string,
): ModelServing | null {
	if (!zone.models.includes(model)) return null;
	return zone.modelDetails[model] ?? LEGACY_MODEL_SERVING;
}

/** True when `serving` covers the endpoint and every input modality asked for. */
export function servesRequest(
	serving: ModelServing,
	endpoint: OpenAiEndpoint,
	inputs: readonly InputModality[] = [],
): { endpoint: boolean; inputs: boolean } {
	return {
		endpoint: serving.endpoints.includes(endpoint),
		inputs: inputs.every((m) => serving.inputs?.includes(m) === true),
	};
}
