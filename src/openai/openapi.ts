/**
 * The OpenAPI 3.1 document of the client API (/v1), generated from the zod
 * schemas the routes validate with (zod's JSON Schema output, draft 2020-12,
 * which OpenAPI 3.1 uses). Served at GET /v1/openapi.json and committed as
 * docs/openapi.json (`npm run openapi`); a test fails when either disagrees
 * with the routes (docs/adr/0017).
 */
import * as z from "zod";
import { createJobBodySchema } from "../jobs-api/job-request.js";
import { createBatchBodySchema } from "../protocol/batch-request.js";
import { modelListSchema, modelObjectSchema, openAiErrorBodySchema } from "../protocol/model-object.js";
import { chatCompletionRequestSchema, completionRequestSchema, embeddingRequestSchema } from "../protocol/openai.js";

/** One operation of the client API: its route, its schemas and what it answers. */
interface Operation {
	method: "get" | "post" | "delete";
	/** OpenAPI path template under the server root, e.g. `/v1/models/{id}`. */
	path: string;
	summary: string;
	/** False for the few operations that need no API key. Default true. */
	auth?: boolean;
	body?: z.ZodType;
	/** The success answer's status, schema and media type. */
	ok: { status: string; schema?: z.ZodType; description: string; stream?: boolean };
	errors: string[];
}

/** Answers whose shapes the relay builds from the backend's output; described, not yet schema'd in zod. */
const opaqueObject = z.looseObject({}).describe("See docs/api.md for the fields");

/** Every operation of the client API, in document order. */
export const CLIENT_API_OPERATIONS: readonly Operation[] = [
	{
		method: "post",
		path: "/v1/chat/completions",
		summary: "Create a chat completion (JSON, or SSE chunks with stream: true)",
		body: chatCompletionRequestSchema,
		ok: {
			status: "200",
			schema: opaqueObject,
			description: "A chat.completion, or chat.completion.chunk events",
			stream: true,
		},
		errors: ["400", "401", "403", "404", "413", "429", "503"],
	},
	{
		method: "post",
		path: "/v1/completions",
		summary: "Create a legacy text completion (JSON, or SSE chunks with stream: true)",
		body: completionRequestSchema,
		ok: { status: "200", schema: opaqueObject, description: "A text_completion, or its chunks", stream: true },
		errors: ["400", "401", "403", "404", "413", "429", "503"],
	},
	{
		method: "post",
		path: "/v1/embeddings",
		summary: "Create embeddings (routed with the carbon policy unless the request names one)",
		body: embeddingRequestSchema,
		ok: { status: "200", schema: opaqueObject, description: "A list of embeddings" },
		errors: ["400", "401", "403", "404", "413", "429", "503"],
	},
	{
		method: "get",
		path: "/v1/models",
		summary: "List the models the API key may use now",
		ok: { status: "200", schema: modelListSchema, description: "The models" },
		errors: ["401", "403"],
	},
	{
		method: "get",
		path: "/v1/models/{id}",
		summary: "One model the API key may use; 404 model_not_found otherwise",
		ok: { status: "200", schema: modelObjectSchema, description: "The model" },
		errors: ["401", "403", "404"],
	},
	{
		method: "get",
		path: "/v1/openapi.json",
		summary: "This document",
		auth: false,
		ok: { status: "200", description: "The OpenAPI 3.1 document of the client API" },
		errors: [],
	},
	{
		method: "post",
		path: "/v1/jobs",
		summary: "Submit an async job (a chat completion request run later, with an optional webhook)",
		body: createJobBodySchema,
		ok: { status: "202", schema: opaqueObject, description: "The job object, queued" },
		errors: ["400", "401", "403", "404", "409", "413", "429", "503"],
	},
	{
		method: "get",
		path: "/v1/jobs/{id}",
		summary: "An async job's status and, once it succeeded, its result",
		ok: { status: "200", schema: opaqueObject, description: "The job object" },
		errors: ["401", "403", "404"],
	},
	{
		method: "delete",
		path: "/v1/jobs/{id}",
		summary: "Cancel an async job",
		ok: { status: "200", schema: opaqueObject, description: "The job object, cancelled" },
		errors: ["401", "403", "404", "409"],
	},
	{
		method: "post",
		path: "/v1/files",
		summary: "Upload a JSONL batch input file (multipart/form-data, purpose batch)",
		ok: { status: "200", schema: opaqueObject, description: "The file object" },
		errors: ["400", "401", "403", "413"],
	},
	{
		method: "get",
		path: "/v1/files/{id}",
		summary: "A file object",
		ok: { status: "200", schema: opaqueObject, description: "The file object" },
		errors: ["401", "403", "404"],
	},
	{
		method: "get",
		path: "/v1/files/{id}/content",
		summary: "A file's content (JSONL)",
		ok: { status: "200", description: "The file's bytes" },
		errors: ["401", "403", "404"],
	},
	{
		method: "post",
		path: "/v1/batches",
		summary: "Create a batch from an uploaded input file; it runs within its completion window, in the cleanest hours",
		body: createBatchBodySchema,
		ok: { status: "200", schema: opaqueObject, description: "The batch object" },
		errors: ["400", "401", "403", "404"],
	},
	{
		method: "get",
		path: "/v1/batches",
		summary: "List the tenant's batches, newest first",
		ok: { status: "200", schema: opaqueObject, description: "A list of batch objects" },
		errors: ["400", "401", "403"],
	},
	{
		method: "get",
		path: "/v1/batches/{id}",
		summary: "A batch object with its request counts",
		ok: { status: "200", schema: opaqueObject, description: "The batch object" },
		errors: ["401", "403", "404"],
	},
	{
		method: "post",
		path: "/v1/batches/{id}/cancel",
		summary: "Cancel a batch: requests not yet sent are cancelled",
		ok: { status: "200", schema: opaqueObject, description: "The batch object, cancelling or cancelled" },
		errors: ["401", "403", "404", "409"],
	},
];

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
	// Refinements and transforms have no JSON Schema; they are checked at runtime and described in docs/api.md.
	const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
		target: "draft-2020-12",
		io,
		unrepresentable: "any",
	});
	return rest;
}

function parameters(path: string): Record<string, unknown>[] {
	return [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
		name: m[1],
		in: "path",
		required: true,
		schema: { type: "string" },
	}));
}

function operationObject(op: Operation): Record<string, unknown> {
	const okContent: Record<string, unknown> = op.ok.schema
		? { "application/json": { schema: jsonSchema(op.ok.schema, "output") } }
		: { "application/json": {} };
	if (op.ok.stream) okContent["text/event-stream"] = { schema: { type: "string" } };
	const responses: Record<string, unknown> = { [op.ok.status]: { description: op.ok.description, content: okContent } };
	for (const status of op.errors) {
		responses[status] = { $ref: `#/components/responses/Error` };
	}
	const params = parameters(op.path);
	return {
		summary: op.summary,
		operationId: `${op.method}${op.path.replace(/[^a-zA-Z0-9]+(\w)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
		...(op.auth === false ? { security: [] } : {}),
		...(params.length > 0 ? { parameters: params } : {}),
		...(op.body
			? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(op.body, "input") } } } }
			: {}),
		responses,
	};
}

/** The document, as GET /v1/openapi.json serves it and docs/openapi.json holds it. */
export function openApiDocument(): Record<string, unknown> {
	const paths: Record<string, Record<string, unknown>> = {};
	for (const op of CLIENT_API_OPERATIONS) {
		paths[op.path] = { ...paths[op.path], [op.method]: operationObject(op) };
	}
	return {
		openapi: "3.1.0",
		info: {
			title: "ArcNet Edge client API",
			version: "1",
			description:
				"OpenAI-compatible inference routed across geozones by latency and carbon. ArcNet's own fields travel in `arcnet` and the x-arcnet-* headers; see docs/api.md.",
		},
		servers: [{ url: "/" }],
		security: [{ apiKey: [] }],
		paths,
		components: {
			securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "An ArcNet API key (sk-...)" } },
			responses: {
				Error: {
					description: "OpenAI's error shape",
					content: { "application/json": { schema: jsonSchema(openAiErrorBodySchema, "output") } },
				},
			},
		},
	};
}
