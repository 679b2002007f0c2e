/**
 * Picks the backend named by the configuration, so commands depend on one
 * factory instead of on every implementation.
 */
import type { HttpFetch } from "../http-fetch.js";
import { createOllamaBackend } from "./ollama.js";
import { createOpenAiBackend } from "./openai-compatible.js";
import { createSimulatedBackend } from "./simulated.js";
import type { Backend } from "./types.js";

export type { Backend, ChatPart, FinishReason } from "./types.js";
export { BackendError } from "./types.js";

export interface BackendConfig {
	backend: "openai" | "ollama" | "simulated";
	backendUrl: string;
	backendApiKey?: string | undefined;
	models: string[];
	simTokensPerSecond: number;
	/** Replaces the node:http client (tests, doctor). */
	fetch?: HttpFetch;
}

/** Creates the backend `config.backend` names. */
export function createBackend(config: BackendConfig): Backend {
	if (config.backend === "simulated") {
		return createSimulatedBackend({ models: config.models, tokensPerSecond: config.simTokensPerSecond });
	}
	const f = config.fetch ? { fetch: config.fetch } : {};
	if (config.backend === "ollama") return createOllamaBackend({ url: config.backendUrl, ...f });
	return createOpenAiBackend({ url: config.backendUrl, apiKey: config.backendApiKey, ...f });
}
