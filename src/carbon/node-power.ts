/**
 * A zone's effective carbon intensity when some of its nodes run on their own
 * power (on-site solar, battery, a grid contract) and declare its gCO2eq/kWh.
 * Each node's intensity is weighted by its GPU power capacity, where new work
 * would draw (docs/carbon-and-latency.md):
 *
 *   effective = Σ (Pᵢ × cᵢ) / Σ Pᵢ
 *
 * where Pᵢ is node i's capacity in W and cᵢ its own intensity, or the grid
 * zone's figure when it has none. With no capacity at all the grid figure
 * stands: there is nothing to weigh.
 */
import * as z from "zod";

/** One node's contribution. */
export const nodePowerReportSchema = z.object({
	/** Power capacity in W: from 0 to 100,000 (a full 8-GPU server is ~10 kW). */
	powerW: z.number().min(0).max(100_000),
	/** The node's own supply in gCO2eq/kWh (0 to 5,000); absent when it runs on the grid. */
	ownGco2PerKwh: z.number().min(0).max(5_000).optional(),
});
export type NodePowerReport = z.infer<typeof nodePowerReportSchema>;

/** The weighted result. */
export interface EffectiveIntensity {
	/** Power-weighted gCO2eq/kWh of the zone. */
	gco2PerKwh: number;
	/** Total draw in W of the nodes weighed. */
	totalPowerW: number;
	/** Share (0 to 1) of that draw from nodes reporting their own supply. */
	ownSupplyShare: number;
}

/**
 * Power-weighted intensity of a zone; nodes without their own report count at `gridGco2PerKwh`.
 * @example effectiveIntensity(400, [{ powerW: 300, ownGco2PerKwh: 40 }, { powerW: 100 }]) // 130 g/kWh
 */
export function effectiveIntensity(gridGco2PerKwh: number, nodes: readonly NodePowerReport[]): EffectiveIntensity {
	let totalPowerW = 0;
	let ownPowerW = 0;
	let weighted = 0;
	for (const node of nodes) {
		totalPowerW += node.powerW;
		if (node.ownGco2PerKwh !== undefined) ownPowerW += node.powerW;
		weighted += node.powerW * (node.ownGco2PerKwh ?? gridGco2PerKwh);
	}
	if (totalPowerW === 0) return { gco2PerKwh: gridGco2PerKwh, totalPowerW: 0, ownSupplyShare: 0 };
	return { gco2PerKwh: weighted / totalPowerW, totalPowerW, ownSupplyShare: ownPowerW / totalPowerW };
}
