/**
 * The energy meter's reading: each GPU's `power.draw` (W) and
 * `total_energy_consumption` (mJ since the driver loaded; Volta and newer),
 * from one short nvidia-smi query. Either may be `[N/A]` or
 * `[Not Supported]`, which reads as null.
 */
import type { GpuPowerReading } from "./energy-meter.js";
import { type NvidiaSmiOptions, runNvidiaSmi } from "./gpu-nvidia-smi.js";

/** The exact query; the parser expects its column order. */
export const NVIDIA_SMI_POWER_ARGS = [
	"--query-gpu=power.draw,total_energy_consumption",
	"--format=csv,noheader,nounits",
] as const;

function figure(raw: string | undefined): number | null {
	const v = (raw ?? "").trim();
	if (v === "" || /^\[.*\]$/.test(v) || /^n\/a$/i.test(v)) return null;
	const n = Number(v);
	return Number.isFinite(n) && n >= 0 ? n : null;
}

/** Parses one line per GPU; lines that are not two fields are skipped. */
export function parseNvidiaSmiPower(stdout: string): GpuPowerReading[] {
	const gpus: GpuPowerReading[] = [];
	for (const raw of stdout.split(/\r?\n/)) {
		const parts = raw.split(",");
		if (parts.length !== 2) continue;
		gpus.push({ powerW: figure(parts[0]), totalEnergyMj: figure(parts[1]) });
	}
	return gpus;
}

/** Creates the meter's reader; it rejects when nvidia-smi fails or lists no GPU. */
export function createNvidiaSmiPowerReader(options: NvidiaSmiOptions = {}): () => Promise<GpuPowerReading[]> {
	return async () => {
		const run = await runNvidiaSmi({ ...options, args: NVIDIA_SMI_POWER_ARGS });
		// A GPU that is lost leaves the node's energy incomplete: no reading rather than a low one.
		if (run.exitCode !== 0)
			throw new Error(`nvidia-smi exited with ${run.exitCode}: ${run.stderr.trim().slice(0, 200)}`);
		const gpus = parseNvidiaSmiPower(run.stdout);
		if (gpus.length === 0) throw new Error("nvidia-smi listed no GPU power readings");
		return gpus;
	};
}
