/**
 * The body and headers of POST /v1/jobs: the request to run later for its
 * endpoint (chat/completions by default, completions or embeddings; never streamed), an optional webhook, and the Idempotency-Key. The
 * webhook URL policy lives here: https only (http to loopback when the dev
 * var allows it), no credentials in the URL, and a public host
 * (src/protocol/webhook-address.ts).
 */
import * as z from "zod";
import { ApiError, InvalidRequestError } from "../http/errors.js";
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
import { refusedHostReason } from "../protocol/webhook-address.js";

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

/**
 * Throws a 400 naming webhook.url unless it is an https URL (or http to
 * loopback when the dev var allows it) without credentials, and a 422 when
 * its host is not a public destination (src/protocol/webhook-address.ts).
 */
export function checkWebhookUrl(raw: string, allowLoopbackHttp: boolean): URL {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw refuse(raw, "an absolute https:// URL");
	}
	if (url.username !== "" || url.password !== "") throw refuse(raw, "a URL without credentials");
	const httpAllowed = allowLoopbackHttp && isLoopbackHost(url.hostname);
	if (url.protocol !== "https:" && !(url.protocol === "http:" && httpAllowed)) {
		throw refuse(raw, allowLoopbackHttp ? "an https:// URL, or http:// to 127.0.0.1/localhost" : "an https:// URL");
	}
	const reason = refusedHostReason(url.hostname, allowLoopbackHttp);
	if (reason !== null) {
		throw new ApiError(
			422,
			`webhook.url: expected a URL whose host is on the public internet, got ${describeValue(raw)}: ${reason}.`,
			{ type: "invalid_request_error", param: "webhook.url", code: "webhook_url_not_public" },
		);
	}
	return url;
}

function isLoopbackHost(hostname: string): boolean {
	return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function refuse(raw: string, allowed: string): InvalidRequestError {
	return new InvalidRequestError(
		`webhook.url: expected ${allowed}, got ${describeValue(raw)}`,
		"webhook.url",
		"invalid_value",
	);
}
