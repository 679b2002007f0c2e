/**
 * A node's own carbon intensity, from the power its last telemetry declared
 * (src/protocol/power-source.ts): what the zone weighs when it chooses among
 * open polls, so that a job goes to a node on clean power before one on the grid.
 */
import { declaredIntensity } from "../../../src/protocol/power-source.js";
import { nodeTelemetry } from "./zone-power.js";

/** Figures per telemetry text: a node's telemetry changes every few seconds, its polls are many more. */
const byTelemetry = new Map<string, number | null>();
const KEPT = 256;

/**
 * The declared (or lifecycle-default) gCO2eq/kWh of a node with this stored telemetry;
 * undefined when it runs on the grid or never reported.
 */
export function ownIntensity(text: string | null): number | undefined {
	if (text === null) return undefined;
	let figure = byTelemetry.get(text);
	if (figure === undefined) {
		figure = declaredIntensity(nodeTelemetry({ telemetry: text })?.power)?.gco2PerKwh ?? null;
		if (byTelemetry.size >= KEPT) byTelemetry.clear();
		byTelemetry.set(text, figure);
	}
	return figure ?? undefined;
}
