/**
 * The zone's power draw from each live node's last telemetry. Routers weigh
 * the zone's carbon by it (src/carbon/node-power.ts): nodes on their own
 * supply (telemetry `power` with a declared figure or a lifecycle default,
 * src/protocol/power-source.ts) pull the zone's effective intensity towards
 * theirs in proportion to their draw, so the zone reports Σ P (all nodes),
 * Σ P (own-supply nodes) and Σ P × c (own-supply nodes).
 */
import { declaredIntensity } from "../../../src/protocol/power-source.js";
import type { NodeRow, StoredTelemetry } from "./node-table.js";

/** Power figures written to D1 zone_status with the summary. */
export interface ZonePower {
	/** Σ GPU powerDrawW of the nodes (W); GPUs reporting null count 0. */
	powerW: number;
	/** The part of powerW drawn by nodes on their own supply (W). */
	ownPowerW: number;
	/** Σ over those nodes of draw (W) × their gCO2eq/kWh. */
	ownPowerGco2W: number;
}

/** The node's last stored telemetry, or null when it never sent any or it does not parse. */
export function nodeTelemetry(row: Pick<NodeRow, "telemetry">): StoredTelemetry | null {
	if (row.telemetry === null) return null;
	try {
		return JSON.parse(row.telemetry) as StoredTelemetry;
	} catch {
		return null;
	}
}

/** One node's GPU draw (W) from its telemetry. */
export function nodePowerDrawW(telemetry: StoredTelemetry | null): number {
	let total = 0;
	for (const gpu of telemetry?.gpus ?? []) total += gpu.powerDrawW ?? 0;
	return total;
}

/** Sums the draw of the given (live) nodes, and of those on their own supply. */
export function zonePower(nodes: readonly Pick<NodeRow, "telemetry">[]): ZonePower {
	const power: ZonePower = { powerW: 0, ownPowerW: 0, ownPowerGco2W: 0 };
	for (const node of nodes) {
		const telemetry = nodeTelemetry(node);
		const drawW = nodePowerDrawW(telemetry);
		power.powerW += drawW;
		const own = declaredIntensity(telemetry?.power);
		if (own) {
			power.ownPowerW += drawW;
			power.ownPowerGco2W += drawW * own.gco2PerKwh;
		}
	}
	return power;
}
