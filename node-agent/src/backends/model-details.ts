/**
 * Asks the inference server what it serves of each model, for telemetry's
 * `modelDetails`: vLLM's /v1/models gives `max_model_len`; llama.cpp's gives
 * `meta.n_ctx_train` and its /props the context size and modalities; Ollama's
 * /api/show gives capabilities and the context length (its native backend
 * serves chat only). What the server does not say takes the default: chat and
 * legacy completions, text only, context unknown; the simulator serves all
 * three endpoints. Models named in `embeddingModels` serve embeddings only.
 */
import type { ModelDetail } from "../../../src/protocol/agent-wire.js";
import {
	type InputModality,
	MAX_CONTEXT_LENGTH,
	OPENAI_ENDPOINTS,
	type OpenAiEndpoint,
} from "../../../src/protocol/model-serving.js";
import * as z from "../../../src/protocol/zod-mini.js";
import { type HttpFetch, httpFetch } from "../http-fetch.js";

/** Lists the details of `models`; never throws: what cannot be learnt takes the default. */
export type ModelDescriber = (models: readonly string[], signal: AbortSignal) => Promise<ModelDetail[]>;

export interface ModelDescriberConfig {
	backend: "openai" | "ollama" | "simulated";
	backendUrl: string;
	backendApiKey?: string | undefined;
	/** Models served on /v1/embeddings only (vLLM and llama.cpp do not say which these are). */
	embeddingModels?: readonly string[] | undefined;
	fetch?: HttpFetch;
}

const GENERATION: OpenAiEndpoint[] = ["chat/completions", "completions"];
const positiveInt = z.int().check(z.positive());
const openAiModelsSchema = z.object({
	data: z.array(
		z.object({
			id: z.string(),
			owned_by: z.optional(z.string()),
			max_model_len: z.nullish(positiveInt),
			meta: z.nullish(z.object({ n_ctx_train: z.nullish(positiveInt) })),
		}),
	),
});
const llamaPropsSchema = z.object({
	default_generation_settings: z.nullish(z.object({ n_ctx: z.nullish(positiveInt) })),
	modalities: z.nullish(z.object({ vision: z.nullish(z.boolean()), audio: z.nullish(z.boolean()) })),
});
const ollamaShowSchema = z.object({
	capabilities: z.nullish(z.array(z.string())),
	model_info: z.nullish(z.record(z.string(), z.unknown())),
});

type Learnt = { endpoints?: OpenAiEndpoint[]; inputs?: InputModality[]; contextLength?: number };

function detail(model: string, learnt: Learnt, embeddingOnly: boolean): ModelDetail {
	const endpoints: OpenAiEndpoint[] = embeddingOnly ? ["embeddings"] : (learnt.endpoints ?? GENERATION);
	const context = learnt.contextLength;
	return {
		model,
		endpoints: endpoints.length > 0 ? endpoints : GENERATION,
		...(learnt.inputs && learnt.inputs.length > 0 ? { inputs: learnt.inputs } : {}),
		...(context !== undefined && context <= MAX_CONTEXT_LENGTH ? { contextLength: context } : {}),
	};
}

/**
 * What the Ollama native backend serves of a model: chat completions only (it
 * runs /api/chat, and refuses legacy completions and embeddings), whatever the
 * model's capabilities; its inputs from those capabilities (an Ollama too old
 * to report them: text only) and its context length.
 */
export function fromOllamaShow(json: unknown): Learnt {
	const learnt: Learnt = { endpoints: ["chat/completions"] };
	const parsed = ollamaShowSchema.safeParse(json);
	if (!parsed.success) return learnt;
	const caps = parsed.data.capabilities;
	if (caps) {
		learnt.inputs = [
			...(caps.includes("vision") ? (["image_url"] as const) : []),
			...(caps.includes("audio") ? (["input_audio"] as const) : []),
		];
	}
	for (const [key, value] of Object.entries(parsed.data.model_info ?? {})) {
		if (key.endsWith(".context_length") && typeof value === "number" && Number.isInteger(value) && value > 0) {
			learnt.contextLength = value;
		}
	}
	return learnt;
}

/** Creates the describer for the configured backend. */
export function createModelDescriber(config: ModelDescriberConfig): ModelDescriber {
	const base = config.backendUrl.replace(/\/+$/, "");
	const doFetch = config.fetch ?? httpFetch;
	const embedding = new Set(config.embeddingModels ?? []);
	const headers: Record<string, string> = {
		"content-type": "application/json",
		...(config.backendApiKey ? { authorization: `Bearer ${config.backendApiKey}` } : {}),
	};

	async function getJson(path: string, signal: AbortSignal, body?: unknown): Promise<unknown> {
		try {
			const init = body === undefined ? { method: "GET" } : { method: "POST", body: JSON.stringify(body) };
			const res = await doFetch(`${base}${path}`, { ...init, headers, signal });
			if (!res.ok) {
				await res.text().catch(() => "");
				return null;
			}
			return await res.json();
		} catch {
			return null;
		}
	}

	async function describeOpenAi(models: readonly string[], signal: AbortSignal): Promise<Map<string, Learnt>> {
		const learnt = new Map<string, Learnt>();
		const listed = openAiModelsSchema.safeParse(await getJson("/v1/models", signal));
		if (!listed.success) return learnt;
		for (const m of listed.data.data) {
			const context = m.max_model_len ?? m.meta?.n_ctx_train ?? undefined;
			learnt.set(m.id, context !== undefined ? { contextLength: context } : {});
		}
		if (!listed.data.data.some((m) => m.owned_by === "llamacpp")) return learnt;
		// llama.cpp serves one model; /props says its real context size and what it takes besides text.
		const props = llamaPropsSchema.safeParse(await getJson("/props", signal));
		if (!props.success) return learnt;
		const inputs: InputModality[] = [
			...(props.data.modalities?.vision ? (["image_url"] as const) : []),
			...(props.data.modalities?.audio ? (["input_audio"] as const) : []),
		];
		const nCtx = props.data.default_generation_settings?.n_ctx ?? undefined;
		for (const model of models) {
			const seen = learnt.get(model) ?? {};
			learnt.set(model, { ...seen, inputs, ...(nCtx !== undefined ? { contextLength: nCtx } : {}) });
		}
		return learnt;
	}

	async function describeOllama(models: readonly string[], signal: AbortSignal): Promise<Map<string, Learnt>> {
		const shown = await Promise.all(
			models.map(async (model) => [model, await getJson("/api/show", signal, { model })]),
		);
		return new Map(shown.map(([model, json]) => [String(model), fromOllamaShow(json)]));
	}

	return async (models, signal) => {
		const learnt =
			config.backend === "openai"
				? await describeOpenAi(models, signal)
				: config.backend === "ollama"
					? await describeOllama(models, signal)
					: new Map<string, Learnt>(models.map((model) => [model, { endpoints: [...OPENAI_ENDPOINTS] }]));
		return models.map((model) => detail(model, learnt.get(model) ?? {}, embedding.has(model)));
	};
}
