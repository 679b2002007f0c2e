/**
 * The model size class of a job, read from its model name. ML.ENERGY measured
 * Llama-3.1 at 8B, 70B and 405B parameters; a name that states its size
 * ("llama3.1:8b", "Llama-3.1-70B-Instruct", "qwen3:32b") maps to the nearest of
 * these on a log scale, and a name that states none to 8B, the commonest size.
 */

/** Measured size classes and the ML.ENERGY model each stands for. */
export const MODEL_SIZE_CLASSES = {
	"8B": { params: 8, model: "meta-llama/Llama-3.1-8B-Instruct" },
	"70B": { params: 70, model: "meta-llama/Llama-3.1-70B-Instruct" },
	"405B": { params: 405, model: "meta-llama/Llama-3.1-405B-Instruct-FP8" },
} as const;

export type ModelSizeClass = keyof typeof MODEL_SIZE_CLASSES;

/** The class of a model whose name states no size. */
export const DEFAULT_MODEL_SIZE: ModelSizeClass = "8B";

/** The parameter count in billions a model name states ("8b", "70B", "1.5b"), or null. */
export function statedBillions(model: string): number | null {
	const match = /(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z0-9])/i.exec(model);
	if (!match?.[1]) return null;
	const value = Number(match[1]);
	return value > 0 ? value : null;
}

/**
 * The size class of a model name: the measured size nearest (log scale) to the one it states, else 8B.
 * @example modelSizeClassOf("llama3.1:70b") // "70B"
 */
export function modelSizeClassOf(model: string): ModelSizeClass {
	const billions = statedBillions(model);
	if (billions === null) return DEFAULT_MODEL_SIZE;
	let best: ModelSizeClass = DEFAULT_MODEL_SIZE;
	let bestDistance = Number.POSITIVE_INFINITY;
	for (const [id, { params }] of Object.entries(MODEL_SIZE_CLASSES) as [ModelSizeClass, { params: number }][]) {
		const distance = Math.abs(Math.log(billions / params));
		if (distance < bestDistance) {
			best = id;
			bestDistance = distance;
		}
	}
	return best;
}
