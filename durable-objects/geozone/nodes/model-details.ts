/**
 * What the zone's live nodes serve of each model, merged per model from
 * their last telemetry: endpoints, extra inputs and context length. A node
 * that reported nothing for a model (an older agent, or no telemetry yet)
 * counts as serving chat completions, text only.
 */
import type { ModelDetail, TelemetryRequest } from "../../../src/protocol/agent-wire.js";
import { LEGACY_MODEL_SERVING, type ModelServing, mergeServing } from "../../../src/protocol/model-serving.js";
import type { NodeRow } from "./node-table.js";

function reportedDetails(telemetry: string | null): Map<string, ModelServing> {
	const details = new Map<string, ModelServing>();
	if (!telemetry) return details;
	// Stored by this object from validated telemetry; only the field read here matters.
	const stored = JSON.parse(telemetry) as Pick<TelemetryRequest, "modelDetails">;
	for (const { model, ...serving } of stored.modelDetails ?? []) details.set(model, serving);
	return details;
}

/** Per model served by a live node: the union of its nodes' endpoints and inputs, the largest context length. */
export function zoneModelDetails(
	nodes: readonly Pick<NodeRow, "models" | "telemetry">[],
): Record<string, ModelServing> {
	const merged = new Map<string, ModelServing>();
	for (const node of nodes) {
		const reported = reportedDetails(node.telemetry);
		for (const model of JSON.parse(node.models) as string[]) {
			const serving = reported.get(model) ?? LEGACY_MODEL_SERVING;
			const seen = merged.get(model);
			merged.set(model, seen ? mergeServing(seen, serving) : serving);
		}
	}
	return Object.fromEntries([...merged].sort(([a], [b]) => a.localeCompare(b)));
}

/** Per zone SQLite handle, each node's model details as its last heartbeat sent them (JSON); lost on eviction. */
const lastDetails = new WeakMap<SqlStorage, Map<string, string>>();

/**
 * True when a node's heartbeat carries other model details than its last one
 * did (or none was seen since this object started): the zone's summary in D1
 * must then be written again, or routers keep the old details until the next
 * job event. After an eviction the first heartbeat of each node counts once.
 */
export function modelDetailsChanged(
	sql: SqlStorage,
	nodeId: string,
	details: readonly ModelDetail[] | undefined,
): boolean {
	let byNode = lastDetails.get(sql);
	if (!byNode) {
		byNode = new Map();
		lastDetails.set(sql, byNode);
	}
	const json = JSON.stringify(details ?? []);
	if (byNode.get(nodeId) === json) return false;
	byNode.set(nodeId, json);
	return true;
}
