/**
 * A zone's carbon figure for routing: the latest signal from the carbon cron
 * (D1 `carbon_signals`) while it is fresh, else the catalogue default, then
 * weighted by the power of nodes that report their own supply
 * (src/carbon/node-power.ts). Pure, so the directory and tests share it.
 */
import { effectiveIntensity, type NodePowerReport } from "../carbon/node-power.js";

/** What the directory knows about a zone's carbon. */
export interface ZoneCarbonInputs {
	defaultGco2PerKwh: number;
	signalGco2PerKwh: number | null;
	signalSource: string | null;
	signalFetchedAt: number | null;
	/** Live nodes' draw (W), the part with its own supply (W), and Σ power x own intensity (W x g/kWh). */
	powerW: number;
	ownPowerW: number;
	ownPowerGco2W: number;
}

/** The figure the router uses, and where it came from. */
export interface ZoneCarbon {
	gco2PerKwh: number;
	/** The grid figure's source (`electricitymaps`, ..., `static`), suffixed `+node-power` when nodes' own supply changed it. */
	source: string;
}

/**
 * Effective gCO2eq/kWh of a zone at `now`; a signal older than `maxAgeMs` is
 * ignored (the catalogue default stands, source `static`).
 * @example zoneCarbon({ defaultGco2PerKwh: 300, signalGco2PerKwh: null, ... }, now, 6 * 3600e3) // { 300, "static" }
 */
export function zoneCarbon(inputs: ZoneCarbonInputs, now: number, maxAgeMs: number): ZoneCarbon {
	const fresh =
		inputs.signalGco2PerKwh !== null &&
		inputs.signalFetchedAt !== null &&
		(!(maxAgeMs > 0) || now - inputs.signalFetchedAt <= maxAgeMs);
	const grid = fresh && inputs.signalGco2PerKwh !== null ? inputs.signalGco2PerKwh : inputs.defaultGco2PerKwh;
	const gridSource = fresh ? (inputs.signalSource ?? "static") : "static";
	const ownPowerW = Math.min(Math.max(0, inputs.ownPowerW), Math.max(0, inputs.powerW));
	if (ownPowerW <= 0) return { gco2PerKwh: grid, source: gridSource };
	// The zone row carries sums, so two synthetic "nodes" stand for the own-supply and grid shares.
	const nodes: NodePowerReport[] = [
		{ powerW: ownPowerW, ownGco2PerKwh: Math.max(0, inputs.ownPowerGco2W) / ownPowerW },
		{ powerW: Math.max(0, inputs.powerW) - ownPowerW },
	];
	return { gco2PerKwh: effectiveIntensity(grid, nodes).gco2PerKwh, source: `${gridSource}+node-power` };
}
