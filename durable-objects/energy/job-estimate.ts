/**
 * The energy and carbon estimate of one finished job:
 *
 *   energyJ = completion_tokens × J/output token (GPU class, model size, node concurrency)
 *   gco2    = energyJ / 3.6e6 × zone gCO2eq/kWh
 *
 * Prompt tokens add nothing on top: ML.ENERGY's J/output token is the whole
 * request's GPU energy (prefill included) on a chat workload divided by its
 * output tokens, so prefill of chat-sized prompts is already in the figure.
 * GPU energy only: host, cooling and network are not counted. An estimate.
 */
import { gpuClassOf } from "./gpu-class.js";
import { joulesPerOutputToken } from "./joules-per-token.js";
import { modelSizeClassOf } from "./model-size.js";

/** Joules in one kWh. */
export const JOULES_PER_KWH = 3.6e6;

/** What the estimate needs to know about a job. */
export interface JobEnergyInput {
	/** The node's GPU name (telemetry gpus[0].name or nodes.gpu_model); null or unknown gives the default class. */
	gpuName: string | null;
	/** The job's model name; its stated size picks the size class (default 8B). */
	model: string;
	/** Output tokens the job produced (integer, 0 and up). */
	completionTokens: number;
	/** The node's concurrency (slots); picks the measured batch size. Default 8. */
	batch?: number;
	/** The zone's gCO2eq/kWh when known; null leaves `gco2` null. */
	gco2PerKwh: number | null;
}

/** The estimate: energy in J, emissions in gCO2eq (null without an intensity), and the classes used. */
export interface JobEnergyEstimate {
	energyJ: number;
	gco2: number | null;
	gpuClass: string;
	modelSize: string;
	jPerOutputToken: number;
}

/**
 * Estimates a job's GPU energy and emissions.
 * @example estimateJobEnergy({ gpuName: "NVIDIA H100 80GB HBM3", model: "llama3.1:8b", completionTokens: 100, gco2PerKwh: 400 })
 */
export function estimateJobEnergy(input: JobEnergyInput): JobEnergyEstimate {
	const { completionTokens, gco2PerKwh } = input;
	if (!Number.isInteger(completionTokens) || completionTokens < 0) {
		throw new RangeError(
			`completionTokens: expected an integer from 0 and up, got ${JSON.stringify(completionTokens)} (${typeof completionTokens})`,
		);
	}
	if (gco2PerKwh !== null && !(Number.isFinite(gco2PerKwh) && gco2PerKwh >= 0)) {
		throw new RangeError(`gco2PerKwh: expected a number from 0 and up or null, got ${JSON.stringify(gco2PerKwh)}`);
	}
	const gpuClass = gpuClassOf(input.gpuName);
	const modelSize = modelSizeClassOf(input.model);
	const { jPerOutputToken } = joulesPerOutputToken(gpuClass, modelSize, input.batch);
	const energyJ = completionTokens * jPerOutputToken;
	return {
		energyJ,
		gco2: gco2PerKwh === null ? null : (energyJ / JOULES_PER_KWH) * gco2PerKwh,
		gpuClass: gpuClass.id,
		modelSize,
		jPerOutputToken,
	};
}
