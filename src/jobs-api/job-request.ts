/**
 * The body and headers of POST /v1/jobs: the request to run later for its
 * endpoint (chat/completions by default, completions or embeddings; never streamed), an optional webhook, and the Idempotency-Key. The
 * webhook URL policy lives here: https only (http to loopback when the dev
 * var allows it), no credentials in the URL.
 */
import { z } from "zod";
import { InvalidRequestError } from "../http/errors.js";
import { describeValue, validate } from "../http/validation.js";
import { type Endpoint, endpointSchema } from "../protocol/chat-request.js";
import {
	type ChatCompletionRequest,
	type CompletionRequest,
	chatCompletionRequestSchema,
	completionRequestSchema,
	type EmbeddingRequest,
	embeddingRequestSchema,
} from "../protocol/openai.js";

const webhookSchema = z
	.strictObject({
		url: z.string().min(1).max(2048),
		secret: z.string().min(16).max(256).optional(),
	})
	.optional();

const neverStreamed = { message: "false or absent (async jobs are never streamed)", path: ["stream"] };

/** POST /v1/jobs body for each endpoint: `request` is the body that endpoint takes, never streamed. */
const bodySchemas = {
	"chat/completions": z.strictObject({
		endpoint: z.literal("chat/completions").optional(),
		request: chatCompletionRequestSchema.refine((r) => r.stream !== true, neverStreamed),
		webhook: webhookSchema,
	}),
	completions: z.strictObject({
		endpoint: z.literal("completions"),
		request: completionRequestSchema.refine((r) => r.stream !== true, neverStreamed),
		webhook: webhookSchema,
	}),
	embeddings: z.strictObject({
		endpoint: z.literal("embeddings"),
		request: embeddingRequestSchema,
		webhook: webhookSchema,
	}),
} as const;

/** POST /v1/jobs body: the endpoint (default chat/completions), its request, an optional webhook. */
export interface CreateJobBody {
	endpoint: Endpoint;
	request: ChatCompletionRequest | CompletionRequest | EmbeddingRequest;
	webhook?: { url: string; secret?: string | undefined } | undefined;
}

/** Kept for callers that validate a chat job's body alone. */
export const createJobBodySchema = bodySchemas["chat/completions"];

/** Idempotency-Key: 1..255 printable ASCII characters. */
export const idempotencyKeySchema = z
	.string()
	.min(1)
	.max(255)
	.regex(/^[\x20-\x7e]+$/, "printable ASCII (0x20-0x7e)");

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Validates the body; `stream: true` is refused naming request.stream. */
export function parseCreateJobBody(input: unknown, allowLoopbackHttp: boolean): CreateJobBody {
	const { endpoint = "chat/completions" } = validate(z.looseObject({ endpoint: z.optional(endpointSchema) }), input);
	const parsed = validate(bodySchemas[endpoint], input);
	const body: CreateJobBody = { ...parsed, endpoint };
	if (body.webhook) checkWebhookUrl(body.webhook.url, allowLoopbackHttp);
	return body;
}

/** The header's key, or undefined when absent; a bad one is a 400 naming the header. */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
	if (header === undefined) return undefined;
	return validate(idempotencyKeySchema, header, "Idempotency-Key");
}

/** Throws a 400 naming webhook.url unless it is https (or allowed loopback http) and carries no credentials. */
export function checkWebhookUrl(raw: string, allowLoopbackHttp: boolean): URL {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw refuse(raw, "an absolute https:// URL");
	}
	if (url.username !== "" || url.password !== "") throw refuse(raw, "a URL without credentials");
	const loopback = LOOPBACK_HOSTS.has(url.hostname);
	if (url.protocol === "https:" && (!loopback || allowLoopbackHttp)) return url;
	if (url.protocol === "http:" && loopback && allowLoopbackHttp) return url;
	throw refuse(raw, allowLoopbackHttp ? "an https:// URL, or http:// to 127.0.0.1/localhost" : "an https:// URL");
}

function refuse(raw: string, allowed: string): InvalidRequestError {
	return new InvalidRequestError(
		`webhook.url: expected ${allowed}, got ${describeValue(raw)}`,
		"webhook.url",
		"invalid_value",
	);
}
