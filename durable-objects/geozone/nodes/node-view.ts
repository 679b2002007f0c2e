/**
 * Every node the zone knows, live or gone, with its slots in use and last
 * telemetry: the operations console's node table. Read-only.
 */
import type { NodeTelemetryView, ZoneNodeView } from "../../../src/protocol/zone-node-view.js";
import type { ZoneState } from "../zone-state.js";
import { isLive, type NodeRow } from "./node-table.js";

/** The zone's nodes, ordered by id. */
export function nodeViews(state: ZoneState): ZoneNodeView[] {
	const busy = new Map<string, number>();
	for (const row of state.sql.exec<{ node_id: string; n: number }>(
		"SELECT node_id, count(*) AS n FROM jobs WHERE status IN ('leased', 'running') AND node_id IS NOT NULL GROUP BY node_id",
	)) {
		busy.set(row.node_id, row.n);
	}
	return state.sql
		.exec<NodeRow>("SELECT * FROM nodes ORDER BY node_id")
		.toArray()
		.map((row) => ({
			nodeId: row.node_id,
			live: row.live === 1 && isLive(state, row),
			lastSeenAt: row.last_seen_at,
			slots: row.slots,
			busySlots: busy.get(row.node_id) ?? 0,
			models: JSON.parse(row.models) as string[],
			telemetry: row.telemetry === null ? null : (JSON.parse(row.telemetry) as NodeTelemetryView),
		}));
}
