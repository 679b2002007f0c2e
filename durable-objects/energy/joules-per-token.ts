/**
 * Joules per output token for a GPU class and model size. ML.ENERGY measured
 * total GPU energy per output token at several max batch sizes
 * (`max_num_seqs`); energy per token falls steeply as the batch grows, so the
 * representative point is the node's own concurrency: the measured batch
 * nearest (log scale) to the node's slots, the smaller one on a tie (more
 * J/token: an estimate should not flatter). The smallest measured batch is 8.
 *
 * GPUs ML.ENERGY did not measure take the H100 figure scaled by rated power,
 * J = J(H100) × P(class) / P(H100 SXM, 700 W). This assumes equal throughput
 * per watt, which flatters small or old boards (a T4 is slower per watt than
 * an H100); docs/carbon-and-latency.md says so.
 */
import { ENERGY_MEASUREMENTS, type EnergyMeasurement } from "./energy-table.js";
import { type GpuClass, gpuClassOf } from "./gpu-class.js";
import { MODEL_SIZE_CLASSES, type ModelSizeClass } from "./model-size.js";

/** Batch size assumed when a node's slots are unknown: the smallest measured, the most J/token. */
export const DEFAULT_BATCH = 8;

/** The chosen measurement and the J/token derived from it. */
export interface JoulesPerToken {
	jPerOutputToken: number;
	/** The measurement used (H100's for scaled classes). */
	measurement: EnergyMeasurement;
	/** P(class) / P(H100): 1 for measured classes. */
	powerScale: number;
}

/** The measurement of `model` on `gpu` whose max batch is nearest `batch` (log scale; ties go to the smaller batch). */
export function nearestMeasurement(model: string, gpu: string, batch: number): EnergyMeasurement {
	const rows = ENERGY_MEASUREMENTS.filter((r) => r.model === model && r.gpu === gpu).sort(
		(a, b) => a.maxNumSeqs - b.maxNumSeqs,
	);
	const distance = (row: EnergyMeasurement) => Math.abs(Math.log(row.maxNumSeqs / batch));
	let best: EnergyMeasurement | undefined;
	for (const row of rows) {
		// Rows ascend, so only a clearly nearer larger batch replaces the smaller (1e-9 absorbs rounding).
		if (!best || distance(row) < distance(best) - 1e-9) best = row;
	}
	if (!best) throw new Error(`catalogue/llm_energy_per_token.csv: no rows for model ${model} on gpu ${gpu}`);
	return best;
}

/**
 * J per output token for a class (or GPU name) and size at a node's concurrency (`batch`, default 8, at least 1).
 * @example joulesPerOutputToken("NVIDIA H100 80GB HBM3", "8B", 8).jPerOutputToken // 0.4548
 */
export function joulesPerOutputToken(
	gpu: GpuClass | string | null,
	size: ModelSizeClass,
	batch: number = DEFAULT_BATCH,
): JoulesPerToken {
	if (!Number.isFinite(batch) || batch < 1) {
		throw new RangeError(`batch: expected a number from 1 and up, got ${JSON.stringify(batch)} (${typeof batch})`);
	}
	const gpuClass = typeof gpu === "object" && gpu !== null ? gpu : gpuClassOf(gpu);
	const h100 = gpuClassOf("H100");
	const measuredAs = gpuClass.measuredAs ?? "H100";
	const measurement = nearestMeasurement(MODEL_SIZE_CLASSES[size].model, measuredAs, batch);
	const powerScale = gpuClass.measuredAs ? 1 : gpuClass.powerW / h100.powerW;
	return { jPerOutputToken: measurement.jPerOutputToken * powerScale, measurement, powerScale };
}
