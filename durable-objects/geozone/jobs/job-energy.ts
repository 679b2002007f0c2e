/**
 * The energy of a job that just succeeded: what its node measured when it
 * sent a figure, else an estimate made with what the zone knows at that moment: the node's GPU and slots (last telemetry) and the
 * zone's intensity in the job's routing decision. Stored on the job row so
 * the D1 history flush writes the same figures the client saw (succeedJob
 * writes them with the job's final state, in one statement).
 */

import type { EnergySource, JobStreamEstimate } from "../../../src/protocol/job-stream.js";
import { estimateJobEnergy } from "../../energy/index.js";
import type { NodeRow } from "../nodes/node-table.js";
import { nodeTelemetry } from "../nodes/zone-power.js";
import type { ZoneState } from "../zone-state.js";
import type { JobRow } from "./job-queue.js";
import { routingFigures } from "./routing-record.js";

/** A finished job's estimate: what its row stores, and what its stream's done event carries (undefined without an intensity). */
export interface FinishedJobEstimate {
	energyJ: number;
	gco2: number | null;
	gpuClass: string;
	energySource: EnergySource;
	stream: JobStreamEstimate | undefined;
}

/** Whether a finished job's stored energy was measured on its node or estimated from its tokens. */
export function energySourceOf(row: Pick<JobRow, "measured_energy_j">): EnergySource {
	return row.measured_energy_j === null ? "estimated" : "measured";
}

/** The GPU name of the node's last telemetry, remembered per telemetry text (it changes every few seconds, jobs are many). */
const gpuNames = new Map<string, string | null>();
const GPU_NAMES_KEPT = 64;

function gpuName(telemetry: string | null): string | null {
	if (telemetry === null) return null;
	const known = gpuNames.get(telemetry);
	if (known !== undefined) return known;
	const name = nodeTelemetry({ telemetry })?.gpus[0]?.name ?? null;
	if (gpuNames.size >= GPU_NAMES_KEPT) gpuNames.clear();
	gpuNames.set(telemetry, name);
	return name;
}

/**
 * The job's energy (the node's measured joules, else the estimate) and gCO2 (when its routing decision
 * gave an intensity); writes nothing.
 */
export function estimateFinishedJob(
	state: ZoneState,
	row: Pick<JobRow, "model" | "node_id" | "routing">,
	completionTokens: number,
	measuredJ: number | null = null,
): FinishedJobEstimate {
	const node = row.node_id
		? state.sql
				.exec<Pick<NodeRow, "slots" | "telemetry">>("SELECT slots, telemetry FROM nodes WHERE node_id = ?", row.node_id)
				.toArray()[0]
		: undefined;
	const estimate = estimateJobEnergy({
		gpuName: node ? gpuName(node.telemetry) : null,
		model: row.model,
		completionTokens,
		batch: node?.slots,
		gco2PerKwh: routingFigures(row.routing).zoneGco2PerKwh,
	});
	const energySource: EnergySource = measuredJ === null ? "estimated" : "measured";
	const energyJ = measuredJ ?? estimate.energyJ;
	const zoneGco2PerKwh = routingFigures(row.routing).zoneGco2PerKwh;
	const gco2 =
		measuredJ === null ? estimate.gco2 : zoneGco2PerKwh === null ? null : (measuredJ / 3.6e6) * zoneGco2PerKwh;
	const stream = gco2 === null ? undefined : { energyJ, gco2, gpuClass: estimate.gpuClass, energySource };
	return { energyJ, gco2, gpuClass: estimate.gpuClass, energySource, stream };
}
