/**
 * JSON values the edge relays without reading them (a backend's chunks and
 * responses, a client's extra fields). Typed as JSON, not `unknown`, so that
 * they may cross Durable Object RPC.
 */
import * as z from "./zod-mini.js";

export type JsonValue = string | number | boolean | null | JsonArray | JsonObject;
/** Interfaces rather than aliases, so RPC's type mapping meets a named cycle and stops. */
export interface JsonObject {
	[key: string]: JsonValue;
}
export interface JsonArray extends Array<JsonValue> {}

/** Whether a parsed JSON value is an object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON object taken as it is: the value came from JSON.parse, so only its kind is checked. */
export const jsonObjectSchema = z.custom<JsonObject>(isJsonObject, { error: "expected a JSON object" });

/**
 * A backend's chunk or response with the edge's own `id` and `created` in
 * place of the backend's, where it has those fields; nothing else changes.
 */
export function withEdgeIdentity(body: JsonObject, id: string, created: number): JsonObject {
	const out: JsonObject = { ...body };
	if ("id" in out) out.id = id;
	if ("created" in out) out.created = created;
	return out;
}
