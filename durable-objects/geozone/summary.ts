/**
 * The zone's summary for routers: live nodes, the models they serve, spare
 * capacity, power draw and the moving averages of queue wait and time to
 * first token. Computed from SQLite plus the open polls.
 */
import type { ZoneLoad, ZoneSummary } from "./contract.js";
import { queueDepth } from "./jobs/job-queue.js";
import { movingAverages } from "./jobs/moving-averages.js";
import { zoneModelDetails } from "./nodes/model-details.js";
import { liveNodes, type NodeRow } from "./nodes/node-table.js";
import { zonePower } from "./nodes/zone-power.js";
import type { ZoneState } from "./zone-state.js";

/** Summarises the zone now; free slots never go below 0. */
export function zoneSummary(state: ZoneState, zoneId: string): ZoneSummary {
	const nodes = liveNodes(state);
	const models = new Set<string>();
	for (const node of nodes) {
		for (const model of JSON.parse(node.models) as string[]) models.add(model);
	}
	const averages = movingAverages(state.sql);
	return {
		zoneId,
		liveNodes: nodes.length,
		models: [...models].sort(),
		modelDetails: zoneModelDetails(nodes),
		...loadOf(state, nodes),
		updatedAt: state.now(),
		...zonePower(nodes),
		queueWaitMs: averages.queueWaitMs,
		ttftMs: averages.ttftMs,
	};
}

/** The zone's capacity now (what submit answers carry, so routers see a burst fill the zone). */
export function zoneLoad(state: ZoneState): ZoneLoad {
	return { ...loadOf(state, liveNodes(state)), at: state.now() };
}

function loadOf(state: ZoneState, nodes: readonly NodeRow[]): Omit<ZoneLoad, "at"> {
	let slots = 0;
	for (const node of nodes) slots += node.slots;
	const busy = state.sql
		.exec<{ n: number }>(
			`SELECT count(*) AS n FROM jobs WHERE status IN ('leased', 'running')
			 AND node_id IN (SELECT value FROM json_each(?))`,
			JSON.stringify(nodes.map((n) => n.node_id)),
		)
		.one().n;
	return { slots, freeSlots: Math.max(0, slots - busy), queueDepth: queueDepth(state.sql) };
}
