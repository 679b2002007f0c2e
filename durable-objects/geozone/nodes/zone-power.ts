/**
 * The zone's GPU power capacity from each live node's last telemetry. Routers
 * weigh the zone's carbon by it (src/carbon/node-power.ts): nodes on their own
 * supply (telemetry `power` with a declared figure or a lifecycle default,
 * src/protocol/power-source.ts) pull the zone's effective intensity towards
 * theirs in proportion to their draw, so the zone reports Σ P (all nodes),
 * Σ P (own-supply nodes) and Σ P × c (own-supply nodes).
 */
import { declaredIntensity } from "../../../src/protocol/power-source.js";
import type { NodeRow, StoredTelemetry } from "./node-table.js";

/** Power figures written to D1 zone_status with the summary. */
export interface ZonePower {
	/** Σ GPU power capacity of the nodes (W): each GPU's power limit, its draw where it reports no limit. */
	powerW: number;
	/** The part of powerW of nodes on their own supply (W). */
	ownPowerW: number;
	/** Σ over those nodes of capacity (W) × their gCO2eq/kWh. */
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

/**
 * One node's GPU power capacity (W): what new work on it may draw. Weighing by
 * capacity rather than draw keeps an idle clean node in the zone's figure,
 * where new jobs would land on it.
 */
export function nodePowerCapacityW(telemetry: StoredTelemetry | null): number {
	let total = 0;
	for (const gpu of telemetry?.gpus ?? []) total += gpu.powerLimitW ?? gpu.powerDrawW ?? 0;
	return total;
}

/** Sums the capacity of the given (live) nodes, and of those on their own supply. */
export function zonePower(nodes: readonly Pick<NodeRow, "telemetry">[]): ZonePower {
	const power: ZonePower = { powerW: 0, ownPowerW: 0, ownPowerGco2W: 0 };
	for (const node of nodes) {
		const telemetry = nodeTelemetry(node);
		const capacityW = nodePowerCapacityW(telemetry);
		power.powerW += capacityW;
		const own = declaredIntensity(telemetry?.power);
		if (own) {
			power.ownPowerW += capacityW;
			power.ownPowerGco2W += capacityW * own.gco2PerKwh;
		}
	}
	return power;
}
