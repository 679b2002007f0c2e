/**
 * GPU classes for the energy estimate. A node reports its GPU as a free
 * string (nvidia-smi's name, e.g. "NVIDIA H100 80GB HBM3", "Tesla T4", or
 * "simulated"); the estimate needs one of the boards in catalogue/gpu_power.csv.
 * ML.ENERGY measured only H100 (SXM, "H100 80GB HBM3") and B200; every other
 * class borrows the H100 figures scaled by its rated power (see joules-per-token.ts).
 */
import { GPU_POWER_RATINGS } from "./energy-table.js";

/** A GPU class: its id, the gpu_power.csv row giving its rated power, and the ML.ENERGY gpu it was measured as, if any. */
export interface GpuClass {
	id: string;
	/** The `gpu` column of catalogue/gpu_power.csv. */
	ratingRow: string;
	/** The `gpu` column of catalogue/llm_energy_per_token.csv when measured; otherwise scaled from H100. */
	measuredAs: "H100" | "B200" | null;
	/** Rated board power (W), from gpu_power.csv. */
	powerW: number;
}

/** Recognised GPU name patterns, most specific first; the first match wins. */
const PATTERNS: readonly { test: RegExp; id: string; ratingRow: string; measuredAs: "H100" | "B200" | null }[] = [
	{ test: /B200/i, id: "B200", ratingRow: "NVIDIA B200", measuredAs: "B200" },
	{ test: /H100.*PCIe/i, id: "H100-PCIe", ratingRow: "NVIDIA H100 PCIe 80GB", measuredAs: null },
	{ test: /H100/i, id: "H100", ratingRow: "NVIDIA H100 SXM5 80GB", measuredAs: "H100" },
	{
		test: /A100.*PCIe.*40\s*GB|A100.*40\s*GB.*PCIe/i,
		id: "A100-PCIe-40GB",
		ratingRow: "NVIDIA A100 PCIe 40GB",
		measuredAs: null,
	},
	{ test: /A100.*PCIe/i, id: "A100-PCIe-80GB", ratingRow: "NVIDIA A100 PCIe 80GB", measuredAs: null },
	{ test: /A100/i, id: "A100-SXM4", ratingRow: "NVIDIA A100 SXM4 40GB/80GB", measuredAs: null },
	{ test: /\bL4\b/i, id: "L4", ratingRow: "NVIDIA L4", measuredAs: null },
	{ test: /\bT4\b/i, id: "T4", ratingRow: "NVIDIA T4", measuredAs: null },
	{ test: /V100/i, id: "V100", ratingRow: "NVIDIA V100", measuredAs: null },
	{ test: /RTX\s*4090/i, id: "RTX-4090", ratingRow: "NVIDIA GeForce RTX 4090", measuredAs: null },
];

/** The class of GPUs we cannot recognise, "simulated" ones included: the measured H100, the commonest inference board. */
export const DEFAULT_GPU_CLASS_ID = "H100";

function ratedPower(row: string): number {
	const rating = GPU_POWER_RATINGS.find((r) => r.gpu === row);
	if (!rating) throw new Error(`catalogue/gpu_power.csv: gpu: no row named ${JSON.stringify(row)}`);
	return rating.powerW;
}

const CLASSES: ReadonlyMap<string, GpuClass> = new Map(
	PATTERNS.map((p) => [
		p.id,
		{ id: p.id, ratingRow: p.ratingRow, measuredAs: p.measuredAs, powerW: ratedPower(p.ratingRow) },
	]),
);

/** Every known class, by id. */
export function gpuClasses(): GpuClass[] {
	return [...CLASSES.values()];
}

/**
 * The class of a GPU name; null, empty, "simulated" or unrecognised names give the default class (H100).
 * @example gpuClassOf("NVIDIA A100-SXM4-80GB").id // "A100-SXM4"
 */
export function gpuClassOf(name: string | null | undefined): GpuClass {
	const match = name ? PATTERNS.find((p) => p.test.test(name)) : undefined;
	const found = CLASSES.get(match?.id ?? DEFAULT_GPU_CLASS_ID);
	if (!found) throw new Error(`gpuClassOf: class ${DEFAULT_GPU_CLASS_ID} missing from the table`);
	return found;
}
