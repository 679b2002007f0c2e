/**
 * Where GPU readings come from. Today only the simulator implements it; an
 * nvidia-smi source (issue 4) will implement the same interface, and the
 * work loop will not change.
 */
import type { GpuReading } from "../../../src/protocol/agent-wire.js";

export interface GpuSource {
	/** The `hardware` value sent with telemetry. */
	readonly hardware: "nvidia-smi" | "simulated";
	/** Current readings; `load` is the share of busy job slots (0..1), used by simulated sources. */
	read(load: number): Promise<GpuReading[]>;
}
