/**
 * Real GPU readings from nvidia-smi. It runs once per telemetry tick under a
 * timeout, because a wedged driver makes nvidia-smi hang for minutes and the
 * telemetry post is also the node's heartbeat and lease renewal: a stalled
 * heartbeat would cost every running job its lease. When nvidia-smi fails,
 * hangs or prints nothing usable, the sample falls back to simulated readings
 * and says why, so the edge sees `hardware: "simulated"` instead of a gap.
 */
import { execFile } from "node:child_process";
import type { GpuSample, GpuSource } from "./gpu.js";
import { simulatedReading } from "./gpu-simulated.js";
import { NVIDIA_SMI_ARGS, parseNvidiaSmi } from "./nvidia-smi-parse.js";

export interface NvidiaSmiOptions {
	/** Executable to run. Default `nvidia-smi` (looked up on PATH). */
	command?: string;
	/** Kill nvidia-smi after this many ms. Default 3000. */
	timeoutMs?: number;
	/** Arguments. Default NVIDIA_SMI_ARGS (the telemetry query). */
	args?: readonly string[];
}

/** Runs nvidia-smi once; resolves with its stdout or rejects with a message naming the cause. */
export function runNvidiaSmi(options: NvidiaSmiOptions = {}): Promise<string> {
	const command = options.command ?? "nvidia-smi";
	const timeoutMs = options.timeoutMs ?? 3000;
	return new Promise((resolve, reject) => {
		execFile(
			command,
			[...(options.args ?? NVIDIA_SMI_ARGS)],
			{ timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 1024 * 1024, windowsHide: true },
			(err, stdout, stderr) => {
				if (!err) return resolve(stdout);
				const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
				if (e.code === "ENOENT") return reject(new Error(`${command} not found on PATH`));
				if (e.killed) return reject(new Error(`${command} did not answer within ${timeoutMs} ms`));
				const detail = `${stdout}${stderr}`.trim().split("\n")[0] ?? "";
				reject(new Error(`${command} exited with ${String(e.code)}${detail ? `: ${detail.slice(0, 200)}` : ""}`));
			},
		);
	});
}

/** Reads every GPU through nvidia-smi; a failure yields a simulated sample carrying `problem`. */
export async function sampleNvidiaSmi(load: number, options: NvidiaSmiOptions = {}): Promise<GpuSample> {
	let problem: string;
	try {
		const { gpus, skipped } = parseNvidiaSmi(await runNvidiaSmi(options));
		if (gpus.length > 0) return { hardware: "nvidia-smi", gpus };
		problem = `nvidia-smi listed no GPUs${skipped[0] ? `: ${skipped[0].line}` : ""}`;
	} catch (err) {
		problem = err instanceof Error ? err.message : String(err);
	}
	return { hardware: "simulated", gpus: [simulatedReading(load)], problem };
}

/** Creates the nvidia-smi source. */
export function createNvidiaSmiGpu(options: NvidiaSmiOptions = {}): GpuSource {
	return { hardware: "nvidia-smi", read: (load) => sampleNvidiaSmi(load, options) };
}
