/**
 * Real GPU readings from nvidia-smi. It runs once per telemetry tick under a
 * timeout, because a wedged driver makes nvidia-smi hang for minutes and the
 * telemetry post is also the node's heartbeat and lease renewal: a stalled
 * heartbeat would cost every running job its lease. When nvidia-smi fails,
 * hangs or prints nothing usable, the sample falls back to simulated readings
 * and says why, so the edge sees `hardware: "simulated"` instead of a gap.
 * When it loses some GPUs but still reads the others, the readings it has are
 * kept and the lost GPUs are named in the sample's `problem`.
 */
import { execFile } from "node:child_process";
import type { GpuSample, GpuSource } from "./gpu.js";
import { simulatedReading } from "./gpu-simulated.js";
import { NVIDIA_SMI_ARGS, readNvidiaSmiRun } from "./nvidia-smi-parse.js";

export interface NvidiaSmiOptions {
	/** Executable to run. Default `nvidia-smi` (looked up on PATH). */
	command?: string;
	/** Kill nvidia-smi after this many ms. Default 3000. */
	timeoutMs?: number;
	/** Arguments. Default NVIDIA_SMI_ARGS (the telemetry query). */
	args?: readonly string[];
}

/** What one nvidia-smi run printed, and its exit code (0 when it succeeded). */
export interface NvidiaSmiRun {
	stdout: string;
	stderr: string;
	exitCode: number;
}

/**
 * Runs nvidia-smi once. It resolves even when nvidia-smi exits non-zero,
 * because a host that lost one GPU still prints the other GPUs' rows; it
 * rejects, with a message naming the cause, when nvidia-smi is missing, hangs
 * or cannot be run.
 */
export function runNvidiaSmi(options: NvidiaSmiOptions = {}): Promise<NvidiaSmiRun> {
	const command = options.command ?? "nvidia-smi";
	const timeoutMs = options.timeoutMs ?? 3000;
	return new Promise((resolve, reject) => {
		execFile(
			command,
			[...(options.args ?? NVIDIA_SMI_ARGS)],
			{ timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 1024 * 1024, windowsHide: true },
			(err, stdout, stderr) => {
				if (!err) return resolve({ stdout, stderr, exitCode: 0 });
				const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
				if (e.code === "ENOENT") return reject(new Error(`${command} not found on PATH`));
				if (e.killed) return reject(new Error(`${command} did not answer within ${timeoutMs} ms`));
				if (typeof e.code === "number") return resolve({ stdout, stderr, exitCode: e.code });
				reject(new Error(`${command} could not run: ${e.message}`));
			},
		);
	});
}

/** Reads every GPU through nvidia-smi; a failure yields a simulated sample carrying `problem`. */
export async function sampleNvidiaSmi(load: number, options: NvidiaSmiOptions = {}): Promise<GpuSample> {
	const command = options.command ?? "nvidia-smi";
	let problem: string;
	try {
		const run = await runNvidiaSmi(options);
		const { gpus, lost } = readNvidiaSmiRun(run);
		const lostText = lost.map((l) => `${l.index === undefined ? "a GPU" : `GPU ${l.index}`}: ${l.line}`).join("; ");
		if (gpus.length > 0) {
			// The healthy GPUs' readings are real; the lost ones are named with nvidia-smi's own line.
			if (run.exitCode === 0) return { hardware: "nvidia-smi", gpus };
			const why = lostText || `exited with ${run.exitCode}`;
			return { hardware: "nvidia-smi", gpus, problem: `${command} lost ${why}`.slice(0, 500) };
		}
		problem =
			run.exitCode === 0
				? `${command} listed no GPUs${lostText ? `: ${lostText}` : ""}`
				: `${command} exited with ${run.exitCode}${lost[0] ? `: ${lost[0].line}` : ""}`;
	} catch (err) {
		problem = err instanceof Error ? err.message : String(err);
	}
	return { hardware: "simulated", gpus: [simulatedReading(load)], problem };
}

/** Creates the nvidia-smi source. */
export function createNvidiaSmiGpu(options: NvidiaSmiOptions = {}): GpuSource {
	return { hardware: "nvidia-smi", read: (load) => sampleNvidiaSmi(load, options) };
}
