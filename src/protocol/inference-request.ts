/**
 * What a job carries to a node for one OpenAI endpoint: the client's body as
 * it came, less `model` (the job's own field) and `arcnet` (ArcNet's routing
 * preferences), with the endpoint beside it (ADR 0016). The synchronous
 * routes, async jobs and batches all submit it.
 */
import type { InferenceRequest } from "./agent-wire.js";
import type { Endpoint } from "./chat-request.js";
import type { JsonObject, JsonValue } from "./json-value.js";

/** Fields of the client's body that are ArcNet's or the job's own, never the backend's. */
const EDGE_FIELDS = new Set(["model", "arcnet"]);

/**
 * The inference request of a validated body: every other field passed as-is.
 * @example toInferenceRequest("embeddings", { model: "m", input: "hi" }) // { endpoint: "embeddings", input: "hi" }
 */
export function toInferenceRequest(endpoint: Endpoint, body: Record<string, unknown>): InferenceRequest {
	const request: JsonObject = { endpoint };
	for (const [field, value] of Object.entries(body)) {
		// The body came from JSON.parse and zod only checked it, so every value is JSON.
		if (!EDGE_FIELDS.has(field) && value !== undefined) request[field] = value as JsonValue;
	}
	return request as InferenceRequest;
}
