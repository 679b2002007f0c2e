/**
 * The fake server's load mode: instead of echoing the prompt, a streamed answer
 * is exactly `max_tokens` numbered filler tokens ("w0", " w1", ...), so a load
 * generator chooses each job's length and can tell, from the text a client
 * receives, which tokens arrived in which chunk. Each token's send time is
 * reported, for the latency the path between server and client adds per token.
 */
import type { ExpectedCompletion } from "./fake-openai-server.js";

/** Load mode, switched on through the server's controls. */
export interface FillMode {
	/** Answer length when a request sets no max_tokens. */
	defaultTokens: number;
	/** Called right after token `index` of the answer to `prompt` (the last user message) is written; `at` is performance.now(). */
	onTokenSent?: (prompt: string, index: number, at: number) => void;
}

/** The filler token at `index`: "w0", then " w1", " w2", ... */
export const fillToken = (index: number) => (index === 0 ? "w0" : ` w${index}`);

/** Indices of the filler tokens in `text`, in order. */
export function fillIndices(text: string): number[] {
	return [...text.matchAll(/w(\d+)/g)].map((m) => Number(m[1]));
}

/** The answer of load mode: `tokens` filler tokens, finished as a model that stopped by itself. */
export function filledCompletion(tokens: number, promptTokens: number): ExpectedCompletion {
	const all = Array.from({ length: tokens }, (_, i) => fillToken(i));
	return {
		content: all.join(""),
		tokens: all,
		finishReason: "stop",
		usage: { prompt_tokens: promptTokens, completion_tokens: tokens, total_tokens: promptTokens + tokens },
	};
}
