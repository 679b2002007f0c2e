/**
 * A node's own carbon intensity, from the power its last telemetry declared
 * (src/protocol/power-source.ts): what the zone weighs when it chooses among
 * open polls, so that a job goes to a node on clean power before one on the grid.
 */
import { declaredIntensity } from "../../../src/protocol/power-source.js";
import type { ZoneState } from "../zone-state.js";
import { nodeTelemetry } from "./zone-power.js";

/** Figures per telemetry text: a node's telemetry changes every few seconds, its polls are many more. */
const byTelemetry = new Map<string, number | null>();
const KEPT = 256;

/** The node's declared (or lifecycle-default) gCO2eq/kWh; undefined when it runs on the grid or never reported. */
export function nodeOwnIntensity(state: Pick<ZoneState, "sql">, nodeId: string): number | undefined {
	const row = state.sql
		.exec<{ telemetry: string | null }>("SELECT telemetry FROM nodes WHERE node_id = ?", nodeId)
		.toArray()[0];
	const text = row?.telemetry ?? null;
	if (text === null) return undefined;
	let figure = byTelemetry.get(text);
	if (figure === undefined) {
		figure = declaredIntensity(nodeTelemetry({ telemetry: text })?.power)?.gco2PerKwh ?? null;
		if (byTelemetry.size >= KEPT) byTelemetry.clear();
		byTelemetry.set(text, figure);
	}
	return figure ?? undefined;
}
