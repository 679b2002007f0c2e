/**
 * Which endpoints a node serves of each of its models, from its last
 * telemetry's model details: the zone leases a job only to a node that serves
 * the job's endpoint for its model. A model the node reported nothing for (an
 * older agent, or no telemetry yet) is served on chat completions only, as the
 * zone's summary counts it (model-details.ts).
 */
import type { ModelDetail, TelemetryRequest } from "../../../src/protocol/agent-wire.js";
import {
	LEGACY_MODEL_SERVING,
	OPENAI_ENDPOINTS,
	type OpenAiEndpoint,
	openAiEndpointSchema,
} from "../../../src/protocol/model-serving.js";
import type { ZoneState } from "../zone-state.js";
import type { NodeRow } from "./node-table.js";

/** Per model a node serves, the endpoints it serves it on. */
export type ServedEndpoints = ReadonlyMap<string, readonly OpenAiEndpoint[]>;

/** The endpoint a job's request names (absent: chat completions, as agents read it). */
export function requestEndpoint(request: { endpoint?: unknown }): OpenAiEndpoint {
	const parsed = openAiEndpointSchema.safeParse(request.endpoint ?? "chat/completions");
	return parsed.success ? parsed.data : "chat/completions";
}

/** Details per telemetry text: a node's telemetry changes every few seconds, its polls are many more. */
const byTelemetry = new Map<string, Map<string, readonly OpenAiEndpoint[]>>();
const KEPT = 256;

function reported(telemetry: string | null): Map<string, readonly OpenAiEndpoint[]> {
	if (telemetry === null) return new Map();
	let details = byTelemetry.get(telemetry);
	if (details === undefined) {
		details = new Map();
		try {
			// Stored by this object from validated telemetry; only the field read here matters.
			const stored = JSON.parse(telemetry) as Pick<TelemetryRequest, "modelDetails">;
			for (const { model, endpoints } of stored.modelDetails ?? []) details.set(model, endpoints);
		} catch {
			// Unreadable telemetry reports nothing: its models count as chat only.
		}
		if (byTelemetry.size >= KEPT) byTelemetry.clear();
		byTelemetry.set(telemetry, details);
	}
	return details;
}

function servedOf(models: readonly string[], details: ReadonlyMap<string, readonly OpenAiEndpoint[]>): ServedEndpoints {
	return new Map(models.map((model) => [model, details.get(model) ?? LEGACY_MODEL_SERVING.endpoints]));
}

/** What a node with this stored telemetry serves of `models`. */
export function servedEndpoints(models: readonly string[], telemetry: string | null): ServedEndpoints {
	return servedOf(models, reported(telemetry));
}

/** What a node serves of `models` by the model details of a heartbeat. */
export function servedByDetails(
	models: readonly string[],
	details: readonly ModelDetail[] | undefined,
): ServedEndpoints {
	return servedOf(models, new Map((details ?? []).map((d) => [d.model, d.endpoints])));
}

/** The node's stored telemetry text, or null. */
export function storedTelemetry(state: Pick<ZoneState, "sql">, nodeId: string): string | null {
	const row = state.sql
		.exec<Pick<NodeRow, "telemetry">>("SELECT telemetry FROM nodes WHERE node_id = ?", nodeId)
		.toArray()[0];
	return row?.telemetry ?? null;
}

/** Whether the node serves `endpoint` for `model`. */
export function serves(served: ServedEndpoints, model: string, endpoint: OpenAiEndpoint): boolean {
	return served.get(model)?.includes(endpoint) === true;
}

/** Whether it serves every endpoint of the model: then its queued jobs need no endpoint filter. */
export function servesAll(endpoints: readonly OpenAiEndpoint[]): boolean {
	return OPENAI_ENDPOINTS.every((e) => endpoints.includes(e));
}
