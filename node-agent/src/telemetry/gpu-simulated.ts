/**
 * Plausible GPU readings for hosts without nvidia-smi (and for tests): a
 * 24 GiB card whose utilisation, memory, temperature and power follow the
 * agent's slot load, so dashboards and the router's energy estimates have
 * something shaped like reality to work with.
 */
import type { GpuReading } from "../../../src/protocol/agent-wire.js";
import type { GpuSource } from "./gpu.js";

const MEMORY_TOTAL_MIB = 24_576;
const IDLE_MEMORY_MIB = 1_024;
const POWER_LIMIT_W = 300;

/** One simulated card's reading at `load` (0..1). */
export function simulatedReading(load: number): GpuReading {
	const l = Math.min(1, Math.max(0, load));
	return {
		index: 0,
		name: "ArcNet Simulated GPU 24GB",
		utilizationPct: Math.round(l * 97),
		memoryUsedMiB: Math.round(IDLE_MEMORY_MIB + l * (MEMORY_TOTAL_MIB * 0.8 - IDLE_MEMORY_MIB)),
		memoryTotalMiB: MEMORY_TOTAL_MIB,
		temperatureC: Math.round(34 + l * 44),
		powerDrawW: Math.round(45 + l * (POWER_LIMIT_W - 60)),
		powerLimitW: POWER_LIMIT_W,
	};
}

/** Creates the simulated GPU source: one card. */
export function createSimulatedGpu(): GpuSource {
	return {
		hardware: "simulated",
		async read(load) {
			return { hardware: "simulated", gpus: [simulatedReading(load)] };
		},
	};
}
