/**
 * Reads a batch's input file: one JSON object per line, each
 * `{custom_id, method: "POST", url: <the batch's endpoint>, body}` with a
 * body for that endpoint (chat completion, legacy completion or embeddings),
 * checked by the same schema as the synchronous route. A line that fails
 * becomes that request's error line, named by its line number, and the rest
 * of the batch still runs.
 */
import * as z from "zod";
import type { Endpoint } from "../protocol/chat-request.js";
import { toInferenceRequest } from "../protocol/inference-request.js";
import { chatCompletionRequestSchema, completionRequestSchema, embeddingRequestSchema } from "../protocol/openai.js";
import { checkInput } from "../protocol/zod-issues.js";

/** One parsed line, ready for the batch store. */
export interface ParsedLine {
	line: number;
	customId: string | null;
	model: string | null;
	requestJson: string | null;
	errorJson: string | null;
}

/** A line whose body is valid under `body`, never streamed. */
function lineSchema<B extends z.ZodType<Record<string, unknown> & { model: string }>>(body: B) {
	return z.strictObject({
		custom_id: z.string().min(1).max(512),
		method: z.literal("POST"),
		url: z.string(),
		body: body.refine((b) => !("stream" in b && b.stream === true), {
			message: "false or absent (batch requests are never streamed)",
			path: ["stream"],
		}),
	});
}

/** Per batch endpoint: the endpoint its jobs run on and the schema of its lines. */
export const BATCH_LINE_SCHEMAS = {
	"/v1/chat/completions": { endpoint: "chat/completions", line: lineSchema(chatCompletionRequestSchema) },
	"/v1/completions": { endpoint: "completions", line: lineSchema(completionRequestSchema) },
	"/v1/embeddings": { endpoint: "embeddings", line: lineSchema(embeddingRequestSchema) },
} as const satisfies Record<string, { endpoint: Endpoint; line: z.ZodType }>;

export type BatchEndpoint = keyof typeof BATCH_LINE_SCHEMAS;

/** The error line of a request that never ran, in OpenAI's error-file shape. */
export function errorLine(customId: string | null, code: string, message: string, line?: number): string {
	return JSON.stringify({
		id: `batch_req_${crypto.randomUUID().replaceAll("-", "")}`,
		custom_id: customId,
		response: null,
		error: { code, message, ...(line !== undefined ? { line } : {}) },
	});
}

/** Parses every non-empty line of `text`; `endpoint` is the url each line must name. */
export function parseBatchInput(text: string, endpoint: BatchEndpoint): ParsedLine[] {
	const { endpoint: runsOn, line: schema } = BATCH_LINE_SCHEMAS[endpoint];
	const out: ParsedLine[] = [];
	const seen = new Set<string>();
	text.split("\n").forEach((raw, i) => {
		const line = i + 1;
		if (raw.trim() === "") return;
		const fail = (customId: string | null, code: string, message: string) =>
			out.push({
				line,
				customId,
				model: null,
				requestJson: null,
				errorJson: errorLine(customId, code, `line ${line}: ${message}`, line),
			});
		let value: unknown;
		try {
			value = JSON.parse(raw);
		} catch (err) {
			fail(null, "invalid_json_line", `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
			return;
		}
		const customId =
			typeof value === "object" && value !== null && "custom_id" in value && typeof value.custom_id === "string"
				? value.custom_id
				: null;
		const checked = checkInput(schema, value, "line");
		if (!checked.ok) {
			fail(customId, "invalid_request", checked.problem.message);
			return;
		}
		const request = checked.data;
		if (request.url !== endpoint) {
			fail(
				customId,
				"invalid_url",
				`url: expected ${JSON.stringify(endpoint)} (the batch's endpoint), got ${JSON.stringify(request.url)}`,
			);
			return;
		}
		if (seen.has(request.custom_id)) {
			fail(
				customId,
				"duplicate_custom_id",
				`custom_id: ${JSON.stringify(request.custom_id)} is used by an earlier line`,
			);
			return;
		}
		seen.add(request.custom_id);
		out.push({
			line,
			customId: request.custom_id,
			model: request.body.model,
			requestJson: JSON.stringify(toInferenceRequest(runsOn, request.body)),
			errorJson: null,
		});
	});
	return out;
}
