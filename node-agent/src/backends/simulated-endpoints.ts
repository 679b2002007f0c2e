/**
 * The simulator's legacy completions and embeddings, in OpenAI's shapes so
 * that the edge relays them as it relays a real server's (ADR 0016). Text is
 * the simulator's deterministic tokens for the prompt; an embedding is a unit
 * vector drawn from a hash of the model and the input, so the same input
 * always gets the same vector and different inputs different ones.
 */
import { createHash } from "node:crypto";
import type { TokenUsage } from "../../../src/protocol/agent-wire.js";
import { completionBodySchema, embeddingBodySchema } from "../../../src/protocol/chat-request.js";
import type { JsonObject } from "../../../src/protocol/json-value.js";
import type { ZodMiniType } from "../../../src/protocol/zod-mini.js";
import { sleep } from "../backoff.js";
import { countWords, tokensFor } from "./simulated-text.js";
import { BackendError, type ChatPart } from "./types.js";

/** Tokens a legacy completion returns when the request names no max_tokens (OpenAI's default). */
export const DEFAULT_COMPLETION_TOKENS = 16;
/** Length of an embedding when the request names no `dimensions`. */
export const DEFAULT_EMBEDDING_DIMENSIONS = 16;
/** Most numbers one embeddings answer may hold (inputs × dimensions): the job's response must stay small. */
export const MAX_EMBEDDING_NUMBERS = 262_144;

function parsed<T>(schema: ZodMiniType<T>, body: JsonObject, endpoint: string): T {
	const result = schema.safeParse(body);
	if (!result.success) {
		throw new BackendError("invalid_request", `the ${endpoint} request is invalid: ${result.error.message}`, false);
	}
	return result.data;
}

/** The prompts of a `prompt` or `input` field: one per string, token ids as one prompt. */
function promptTexts(prompt: string | string[] | number[]): string[] {
	if (typeof prompt === "string") return [prompt];
	if (prompt.every((p) => typeof p === "string")) return prompt as string[];
	return [prompt.join(" ")];
}

function usage(prompt: number, completion: number): JsonObject {
	return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

interface Pace {
	delayMs: number;
	signal: AbortSignal;
}

/** A `text_completion` for each prompt (and each of `n`), streamed as chunks or answered whole. */
export async function* simulatedCompletion(model: string, raw: JsonObject, pace: Pace): AsyncGenerator<ChatPart> {
	const body = parsed(completionBodySchema, raw, "completions");
	const prompts = promptTexts(body.prompt);
	const n = body.n ?? 1;
	const limit = body.max_tokens ?? DEFAULT_COMPLETION_TOKENS;
	const choices = prompts.flatMap((prompt) => {
		const all = tokensFor(model, prompt);
		const tokens = all.slice(0, limit);
		const finish = tokens.length < all.length ? "length" : "stop";
		return Array.from({ length: n }, () => ({ prompt, tokens, finish }));
	});
	const promptTokens = prompts.reduce((sum, p) => sum + countWords(p), 0) * n;
	const completionTokens = choices.reduce((sum, c) => sum + c.tokens.length, 0);
	const counted: TokenUsage = { prompt_tokens: promptTokens, completion_tokens: completionTokens };
	const finishReason = choices[0]?.finish ?? "stop";
	const base = { id: "cmpl-simulated", object: "text_completion", created: Math.floor(Date.now() / 1000), model };
	if (body.stream !== true) {
		const answer = choices.map((c, index) => ({
			text: `${body.echo ? c.prompt : ""}${c.tokens.join("")}`,
			index,
			logprobs: null,
			finish_reason: c.finish,
		}));
		const response = { ...base, choices: answer, usage: usage(promptTokens, completionTokens) };
		yield { type: "done", finishReason, usage: counted, response };
		return;
	}
	const longest = Math.max(...choices.map((c) => c.tokens.length));
	for (let step = 0; step < longest; step++) {
		if (pace.delayMs > 0) await sleep(pace.delayMs, pace.signal);
		if (pace.signal.aborted) throw new BackendError("cancelled", "request aborted", false);
		for (const [index, c] of choices.entries()) {
			const text = c.tokens[step];
			if (text === undefined) continue;
			const last = step === c.tokens.length - 1;
			const choice = { text, index, logprobs: null, finish_reason: last ? c.finish : null };
			yield { type: "delta", text, chunk: { ...base, choices: [choice] } };
		}
	}
	if (body.stream_options?.include_usage === true) {
		const chunk = { ...base, choices: [], usage: usage(promptTokens, completionTokens) };
		yield { type: "delta", text: "", chunk };
	}
	yield { type: "done", finishReason, usage: counted };
}

/** The unit vector of `dimensions` numbers for an input, rounded to float32 as servers send them. */
export function simulatedVector(model: string, input: string, dimensions: number): number[] {
	const raw: number[] = [];
	for (let block = 0; raw.length < dimensions; block++) {
		const digest = createHash("sha256").update(`${model}\n${block}\n${input}`).digest();
		for (let i = 0; i + 1 < digest.length && raw.length < dimensions; i += 2) {
			raw.push(digest.readUInt16LE(i) / 32_768 - 1);
		}
	}
	const norm = Math.sqrt(raw.reduce((sum, x) => sum + x * x, 0)) || 1;
	return raw.map((x) => Math.fround(x / norm));
}

/** Little-endian float32 bytes in base64, as OpenAI sends `encoding_format: "base64"`. */
function base64Vector(vector: readonly number[]): string {
	return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}

/** An embeddings `list` for the inputs, unstreamed as embeddings always are. */
export async function* simulatedEmbeddings(model: string, raw: JsonObject): AsyncGenerator<ChatPart> {
	const body = parsed(embeddingBodySchema, raw, "embeddings");
	const inputs = promptTexts(body.input);
	const dimensions = body.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
	if (inputs.length * dimensions > MAX_EMBEDDING_NUMBERS) {
		throw new BackendError(
			"invalid_request",
			`dimensions: ${inputs.length} inputs of ${dimensions} numbers exceed the simulator's ${MAX_EMBEDDING_NUMBERS} numbers per request`,
			false,
		);
	}
	const data = inputs.map((input, index) => {
		const vector = simulatedVector(model, input, dimensions);
		const embedding = body.encoding_format === "base64" ? base64Vector(vector) : vector;
		return { object: "embedding", index, embedding };
	});
	const promptTokens = inputs.reduce((sum, input) => sum + Math.max(1, countWords(input)), 0);
	const response = { object: "list", data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
	yield { type: "done", finishReason: "stop", usage: { prompt_tokens: promptTokens, completion_tokens: 0 }, response };
}
