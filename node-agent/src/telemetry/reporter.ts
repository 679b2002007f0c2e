/**
 * Builds and sends the periodic telemetry post, which doubles as heartbeat and
 * lease renewal: the edge answers with renewed lease expiries and the jobs this
 * node should stop.
 */
import type { ModelDetail, TelemetryRequest, TelemetryResponse } from "../../../src/protocol/agent-wire.js";
import type { PowerSource } from "../../../src/protocol/power-source.js";
import type { RunningJob } from "../job-runner.js";
import type { GpuSample, GpuSource } from "./gpu.js";
import type { HostReading } from "./host.js";

export interface TelemetryInputs {
	gpu: GpuSource;
	host: () => HostReading;
	models: () => string[];
	/** What the backend serves of each model; sent as `modelDetails` when not empty. */
	modelDetails?: () => ModelDetail[];
	/** Why the backend stopped answering, or null while it answers; sent as `backendProblem`. */
	backendProblem?: () => string | null;
	slots: number;
	running: () => Iterable<RunningJob>;
	/** Returns and resets the output tokens counted since the last call. */
	takeTokens: () => number;
	/** The node's declared power (./power-report.ts); absent or undefined: none declared. */
	power?: () => Promise<PowerSource | undefined>;
	/** Sees every GPU sample, e.g. to log a fallback from nvidia-smi once. */
	onGpuSample?: (sample: GpuSample) => void;
}

/** Creates a function that builds the next TelemetryRequest; tokens/s covers the time since the previous call. */
export function createTelemetryBuilder(inputs: TelemetryInputs, now: () => number = Date.now) {
	let last = now();
	return async (): Promise<TelemetryRequest> => {
		const t = now();
		const elapsedS = Math.max(0.001, (t - last) / 1000);
		last = t;
		const running = [...inputs.running()];
		const [sample, power] = await Promise.all([
			inputs.gpu.read(running.length / inputs.slots),
			inputs.power?.() ?? Promise.resolve(undefined),
		]);
		inputs.onGpuSample?.(sample);
		const backendProblem = inputs.backendProblem?.() ?? null;
		const models = inputs.models().slice(0, 100);
		const modelDetails = (inputs.modelDetails?.() ?? []).filter((d) => models.includes(d.model));
		return {
			hardware: sample.hardware,
			gpus: sample.gpus,
			host: inputs.host(),
			models,
			...(modelDetails.length > 0 ? { modelDetails } : {}),
			slots: inputs.slots,
			running: running.map((r) => ({ jobId: r.job.jobId, leaseId: r.job.leaseId })),
			tokensPerSecond: Math.round((inputs.takeTokens() / elapsedS) * 10) / 10,
			queueDepth: running.filter((r) => r.queued).length,
			...(power ? { power } : {}),
			...(backendProblem !== null ? { backendProblem } : {}),
		};
	};
}

/** Applies the edge's answer, keyed by job id, to the newest attempt of each job: renews leases and returns the jobs to cancel. */
export function applyTelemetryResponse(answer: TelemetryResponse, running: Map<string, RunningJob>): RunningJob[] {
	for (const [jobId, expiresAt] of Object.entries(answer.leases)) {
		const job = running.get(jobId);
		if (job) job.leaseExpiresAt = expiresAt;
	}
	return answer.cancel.map((id) => running.get(id)).filter((r): r is RunningJob => r !== undefined);
}
