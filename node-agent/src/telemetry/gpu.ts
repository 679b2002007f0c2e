/**
 * Where GPU readings come from: nvidia-smi on GPU hosts, the simulator
 * elsewhere. Each sample says which one produced it, because a source may
 * fall back from nvidia-smi to simulated readings when nvidia-smi fails, and
 * the edge must know which numbers are real.
 */
import type { GpuReading } from "../../../src/protocol/agent-wire.js";

/** The `hardware` value sent with telemetry. */
export type HardwareKind = "nvidia-smi" | "simulated";

/** One sample of every GPU, with where it came from and, after a fallback, why. */
export interface GpuSample {
	hardware: HardwareKind;
	gpus: GpuReading[];
	/** Set when nvidia-smi was wanted but failed and simulated readings stand in. */
	problem?: string;
}

export interface GpuSource {
	/** The source's preferred hardware; a sample may still fall back. */
	readonly hardware: HardwareKind;
	/** Current readings; `load` is the share of busy job slots (0..1), used by simulated readings. */
	read(load: number): Promise<GpuSample>;
}
