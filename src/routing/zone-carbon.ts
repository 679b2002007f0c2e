/**
 * A zone's carbon figure for routing: the latest signal from the carbon cron
 * (D1 `carbon_signals`) while it is fresh, else the catalogue default, then
 * weighted by the GPU power capacity of nodes that declare their own supply
 * (src/carbon/node-power.ts). Declared figures are the operator's word, not a
 * measurement, so the operator may cap how far they move the zone's figure
 * from the grid's (DECLARED_POWER_MAX_SHIFT_PCT). Pure, so the directory and
 * tests share it.
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
	/** Most the declared supply may move the figure from the grid's, as a share of it (0 to 1; 1: uncapped). */
	maxDeclaredShift?: number;
}

/** The figure the router uses, and where it came from. */
export interface ZoneCarbon {
	gco2PerKwh: number;
	/**
	 * The grid figure's source (`electricitymaps`, ..., `static`), suffixed `+declared` when nodes'
	 * declared supply changed it, and `+declared-capped` when the cap held it back.
	 */
	source: string;
	/** The grid's own figure (gCO2eq/kWh), before the declared supply's weighting. */
	gridGco2PerKwh: number;
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
	if (ownPowerW <= 0) return { gco2PerKwh: grid, source: gridSource, gridGco2PerKwh: grid };
	// The zone row carries sums, so two synthetic "nodes" stand for the own-supply and grid shares.
	const nodes: NodePowerReport[] = [
		{ powerW: ownPowerW, ownGco2PerKwh: Math.max(0, inputs.ownPowerGco2W) / ownPowerW },
		{ powerW: Math.max(0, inputs.powerW) - ownPowerW },
	];
	const weighted = effectiveIntensity(grid, nodes).gco2PerKwh;
	const shift = Math.min(1, Math.max(0, inputs.maxDeclaredShift ?? 1));
	const capped = Math.min(grid * (1 + shift), Math.max(grid * (1 - shift), weighted));
	const label = capped === weighted ? "+declared" : "+declared-capped";
	return { gco2PerKwh: capped, source: `${gridSource}${label}`, gridGco2PerKwh: grid };
}
