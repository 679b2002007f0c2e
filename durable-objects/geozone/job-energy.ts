/**
 * The energy estimate of a job that just succeeded, made with what the zone
 * knows at that moment: the node's GPU and slots (last telemetry) and the
 * zone's intensity in the job's routing decision. Stored on the job row so
 * the D1 history flush writes the same figures the client saw.
 */
import { estimateJobEnergy } from "../../src/energy/index.js";
import type { JobStreamEstimate } from "../../src/protocol/job-stream.js";
import type { JobRow } from "./job-queue.js";
import type { NodeRow } from "./node-table.js";
import { routingFigures } from "./routing-record.js";
import { nodeTelemetry } from "./zone-power.js";
import type { ZoneState } from "./zone-state.js";

/**
 * Estimates and stores the job's energy (always) and gCO2 (when its routing
 * decision gave an intensity); returns the stream's `estimate`, or undefined
 * without an intensity.
 */
export function estimateFinishedJob(
	state: ZoneState,
	row: Pick<JobRow, "job_id" | "model" | "node_id" | "routing">,
	completionTokens: number,
): JobStreamEstimate | undefined {
	const node = row.node_id
		? state.sql.exec<NodeRow>("SELECT * FROM nodes WHERE node_id = ?", row.node_id).toArray()[0]
		: undefined;
	const telemetry = node ? nodeTelemetry(node) : null;
	const estimate = estimateJobEnergy({
		gpuName: telemetry?.gpus[0]?.name ?? null,
		model: row.model,
		completionTokens,
		batch: node?.slots,
		gco2PerKwh: routingFigures(row.routing).zoneGco2PerKwh,
	});
	state.sql.exec(
		"UPDATE jobs SET est_energy_j = ?, est_gco2 = ?, est_gpu_class = ? WHERE job_id = ?",
		estimate.energyJ,
		estimate.gco2,
		estimate.gpuClass,
		row.job_id,
	);
	if (estimate.gco2 === null) return undefined;
	return { energyJ: estimate.energyJ, gco2: estimate.gco2, gpuClass: estimate.gpuClass };
}
