/**
 * POST /v1/chat/completions, /v1/completions and /v1/embeddings: each relays
 * the client's body to a node and the backend's answer back (relay-handler.ts).
 */
import { chatCompletionRequestSchema, completionRequestSchema, embeddingRequestSchema } from "../protocol/openai.js";
import { relayHandler } from "./relay-handler.js";

/** Handles one chat completion request end to end. */
export const chatCompletionsHandler = relayHandler("chat/completions", chatCompletionRequestSchema);

/** Handles one legacy text completion request end to end. */
export const completionsHandler = relayHandler("completions", completionRequestSchema);

/** Handles one embeddings request end to end. */
export const embeddingsHandler = relayHandler("embeddings", embeddingRequestSchema);
