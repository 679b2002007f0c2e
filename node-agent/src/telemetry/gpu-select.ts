/**
 * Chooses the GPU source from the `gpu` setting: `nvidia-smi`, `simulated`,
 * or `auto`, which probes nvidia-smi once at start and uses it when it
 * answers with at least one GPU. An explicit `nvidia-smi` keeps trying every
 * tick (falling back per sample), because the operator said the GPU is there.
 */
import type { GpuSource } from "./gpu.js";
import { createNvidiaSmiGpu, type NvidiaSmiOptions, sampleNvidiaSmi } from "./gpu-nvidia-smi.js";
import { createSimulatedGpu } from "./gpu-simulated.js";

/** The `gpu` setting. */
export type GpuMode = "auto" | "nvidia-smi" | "simulated";

/** The chosen source and, for `auto`, why nvidia-smi was not chosen. */
export interface GpuChoice {
	source: GpuSource;
	reason?: string;
}

/** Picks the source for `mode`; `auto` runs nvidia-smi once to decide. */
export async function selectGpuSource(mode: GpuMode, options: NvidiaSmiOptions = {}): Promise<GpuChoice> {
	if (mode === "simulated") return { source: createSimulatedGpu() };
	if (mode === "nvidia-smi") return { source: createNvidiaSmiGpu(options) };
	const probe = await sampleNvidiaSmi(0, options);
	if (probe.hardware === "nvidia-smi") return { source: createNvidiaSmiGpu(options) };
	return { source: createSimulatedGpu(), reason: probe.problem ?? "nvidia-smi unavailable" };
}
