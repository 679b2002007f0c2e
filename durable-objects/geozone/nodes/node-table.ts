/**
 * The zone's node table: who is connected, what they serve, how many slots
 * they have and their last telemetry. A node is live while it was seen within
 * NODE_LIVE_MS or has a poll open.
 */
import type { TelemetryRequest } from "../../../src/protocol/agent-wire.js";
import type { OpenAiEndpoint } from "../../../src/protocol/model-serving.js";
import type { ZoneState } from "../zone-state.js";
import { servedEndpoints, serves } from "./node-serving.js";

export type NodeRow = {
	node_id: string;
	models: string;
	slots: number;
	last_seen_at: number;
	live: number;
	telemetry: string | null;
};

/** The telemetry kept per node: the readings, without the lease list. */
export type StoredTelemetry = Omit<TelemetryRequest, "running" | "models" | "slots"> & { at: number };

/** A poll from a node seen this recently, serving the same, writes nothing: its open poll keeps it live anyway. */
export const TOUCH_WRITE_INTERVAL_MS = 1_000;

/** What this object last wrote of a node's row (the object is the table's only writer). */
interface NodeWritten {
	models: string;
	slots: number;
	lastSeenAt: number;
}

/**
 * Per zone SQLite handle, the node rows as this object last wrote them live:
 * a poll within TOUCH_WRITE_INTERVAL_MS of the last write then reads no row
 * either, so a poll with an empty queue touches no storage at all (the first
 * statement of a call is its dearest). Forgotten when the node goes stale.
 */
const writtenRows = new WeakMap<SqlStorage, Map<string, NodeWritten>>();

function written(sql: SqlStorage): Map<string, NodeWritten> {
	let rows = writtenRows.get(sql);
	if (!rows) {
		rows = new Map();
		writtenRows.set(sql, rows);
	}
	return rows;
}

/**
 * Records that a node is connected now, with what it serves. Returns true if the
 * node was not live before (the zone's summary changed). Without telemetry
 * (a poll) and with nothing changed since a write under TOUCH_WRITE_INTERVAL_MS
 * ago, the row is left as it is: one write fewer on every job's path.
 */
export function touchNode(
	state: ZoneState,
	nodeId: string,
	models: readonly string[],
	slots: number,
	telemetry?: StoredTelemetry,
): boolean {
	const { sql } = state;
	const modelsJson = JSON.stringify([...new Set(models)].sort());
	// What this object wrote of the row (it is live then), else the row itself.
	let seen = written(sql).get(nodeId);
	let wasLive = true;
	if (!seen) {
		const row = sql
			.exec<Pick<NodeRow, "live" | "models" | "slots" | "last_seen_at">>(
				"SELECT live, models, slots, last_seen_at FROM nodes WHERE node_id = ?",
				nodeId,
			)
			.toArray()[0];
		wasLive = row?.live === 1;
		if (row && wasLive) seen = { models: row.models, slots: row.slots, lastSeenAt: row.last_seen_at };
	}
	if (
		telemetry === undefined &&
		seen?.models === modelsJson &&
		seen.slots === slots &&
		state.now() - seen.lastSeenAt < TOUCH_WRITE_INTERVAL_MS
	) {
		written(sql).set(nodeId, seen);
		return false;
	}
	sql.exec(
		`INSERT INTO nodes (node_id, models, slots, last_seen_at, live, telemetry) VALUES (?, ?, ?, ?, 1, ?)
		 ON CONFLICT(node_id) DO UPDATE SET models = excluded.models, slots = excluded.slots,
		   last_seen_at = excluded.last_seen_at, live = 1, telemetry = coalesce(excluded.telemetry, nodes.telemetry)`,
		nodeId,
		modelsJson,
		slots,
		state.now(),
		telemetry ? JSON.stringify(telemetry) : null,
	);
	written(sql).set(nodeId, { models: modelsJson, slots, lastSeenAt: state.now() });
	return !wasLive;
}

/** Marks a node seen now, without changing what it serves (its poll just ended). */
export function markSeen(state: ZoneState, nodeId: string): void {
	state.sql.exec("UPDATE nodes SET last_seen_at = ? WHERE node_id = ?", state.now(), nodeId);
	const known = written(state.sql).get(nodeId);
	if (known) known.lastSeenAt = state.now();
}

/** Whether the node counts as live now. */
export function isLive(state: ZoneState, row: Pick<NodeRow, "node_id" | "last_seen_at">): boolean {
	return row.last_seen_at > state.now() - state.config.nodeLiveMs || state.waiters.has(row.node_id);
}

/** Every node live now. */
export function liveNodes(state: ZoneState): NodeRow[] {
	return state.sql
		.exec<NodeRow>("SELECT * FROM nodes WHERE live = 1")
		.toArray()
		.filter((row) => isLive(state, row));
}

/** The nodes, live or not, that serve `endpoint` for `model` (by their last telemetry). */
export function nodesServing(state: Pick<ZoneState, "sql">, model: string, endpoint: OpenAiEndpoint): NodeRow[] {
	return state.sql
		.exec<NodeRow>("SELECT * FROM nodes WHERE EXISTS (SELECT 1 FROM json_each(nodes.models) WHERE value = ?)", model)
		.toArray()
		.filter((row) => serves(servedEndpoints([model], row.telemetry), model, endpoint));
}

/** Whether a live node serves `endpoint` for the model. */
export function hasLiveNodeFor(state: ZoneState, model: string, endpoint: OpenAiEndpoint): boolean {
	return nodesServing(state, model, endpoint).some((row) => isLive(state, row));
}

/** Marks nodes gone whose liveness lapsed; returns their ids. */
export function expireStaleNodes(state: ZoneState): string[] {
	const stale = state.sql
		.exec<NodeRow>("SELECT * FROM nodes WHERE live = 1")
		.toArray()
		.filter((row) => !isLive(state, row))
		.map((row) => row.node_id);
	for (const nodeId of stale) {
		state.sql.exec("UPDATE nodes SET live = 0 WHERE node_id = ?", nodeId);
		written(state.sql).delete(nodeId);
	}
	return stale;
}

/** When the next live node without an open poll stops being live, or null. */
export function nextNodeStaleAt(state: ZoneState): number | null {
	const waiting = new Set(state.waiters.nodeIds());
	let next: number | null = null;
	for (const row of state.sql.exec<NodeRow>("SELECT node_id, last_seen_at FROM nodes WHERE live = 1")) {
		if (waiting.has(row.node_id)) continue;
		const at = row.last_seen_at + state.config.nodeLiveMs;
		if (next === null || at < next) next = at;
	}
	return next;
}
