/**
 * Picks the backend named by the configuration, so commands depend on one
 * factory instead of on every implementation.
 */
import { createOpenAiBackend } from "./openai-compatible.js";
import { createSimulatedBackend } from "./simulated.js";
import type { Backend } from "./types.js";

export type { Backend, ChatPart, FinishReason } from "./types.js";
export { BackendError } from "./types.js";

export interface BackendConfig {
	backend: "openai" | "simulated";
	backendUrl: string;
	backendApiKey?: string | undefined;
	models: string[];
	simTokensPerSecond: number;
}

/** Creates the backend `config.backend` names. */
export function createBackend(config: BackendConfig): Backend {
	if (config.backend === "simulated") {
		return createSimulatedBackend({ models: config.models, tokensPerSecond: config.simTokensPerSecond });
	}
	return createOpenAiBackend({ url: config.backendUrl, apiKey: config.backendApiKey });
}
