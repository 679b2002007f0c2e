/**
 * The RPC contract of BatchStoreDO (one per tenant; ADR 0019): the inputs
 * the Worker sends, validated with zod by the object, and the records it
 * answers. The Worker imports only this file from the object.
 */
import * as z from "zod";
import { type OpenAiEndpoint, openAiEndpointSchema } from "../../src/protocol/model-serving.js";

/** OpenAI's batch statuses. */
export type BatchStatus =
	| "validating"
	| "failed"
	| "in_progress"
	| "finalizing"
	| "completed"
	| "expired"
	| "cancelling"
	| "cancelled";

/** A request's own state: waiting for its slot, running as a job, or ended. */
export type RequestState = "pending" | "dispatched" | "succeeded" | "failed" | "cancelled";

const idSchema = z.string().regex(/^[a-z]+[-_][A-Za-z0-9]{8,64}$/, "an id such as batch_abc123 or file-abc123");
const tenantSchema = z.string().min(1).max(64);

/** One line of the input file, as the Worker parsed it. A line that failed carries its error line instead of a body. */
export const batchLineSchema = z.object({
	line: z.number().int().min(1),
	customId: z.string().max(512).nullable(),
	model: z.string().max(256).nullable(),
	/** The inference request (JSON text) to run, or null for a line that failed validation. */
	requestJson: z
		.string()
		.max(2 * 1024 * 1024)
		.nullable(),
	/** The error line (JSON text) of a line that failed validation. */
	errorJson: z
		.string()
		.max(64 * 1024)
		.nullable(),
});
export type BatchLine = z.infer<typeof batchLineSchema>;

export const createBatchInputSchema = z.object({
	id: idSchema,
	tenantId: tenantSchema,
	endpoint: z.string().min(1).max(64),
	inputFileId: idSchema,
	completionWindow: z.string().min(1).max(16),
	/** False: run as soon as possible (arcnet.defer: false). */
	defer: z.boolean(),
	createdAt: z.number().int(),
	expiresAt: z.number().int(),
	metadata: z.record(z.string(), z.string()).nullable(),
	/** The API key's allowed region tags, a hard routing constraint for every request; null: no restriction. */
	allowedRegions: z.array(z.string().min(1).max(20)).max(50).nullable(),
	/** The key whose daily token quota the requests count against (docs/limits.md); absent: none. */
	quota: z
		.object({ keyId: z.string().min(1).max(128), dailyTokens: z.number().int().min(0).max(1_000_000_000_000) })
		.nullable()
		.optional(),
	lines: z.array(batchLineSchema).min(1).max(50_000),
});

/** The key a batch's requests count against, and its daily token quota when the batch was created. */
export type BatchQuota = NonNullable<z.infer<typeof createBatchInputSchema>["quota"]>;
export type CreateBatchInput = z.input<typeof createBatchInputSchema>;

export const batchRefInputSchema = z.object({ tenantId: tenantSchema, batchId: idSchema });
export type BatchRefInput = z.infer<typeof batchRefInputSchema>;

export const listBatchesInputSchema = z.object({
	tenantId: tenantSchema,
	after: idSchema.optional(),
	limit: z.number().int().min(1).max(100),
});

/** A batch as stored. */
export interface BatchRecord {
	id: string;
	tenantId: string;
	endpoint: string;
	inputFileId: string;
	completionWindow: string;
	status: BatchStatus;
	defer: boolean;
	createdAt: number;
	expiresAt: number;
	inProgressAt: number | null;
	finalizingAt: number | null;
	completedAt: number | null;
	failedAt: number | null;
	cancellingAt: number | null;
	cancelledAt: number | null;
	expiredAt: number | null;
	outputFileId: string | null;
	errorFileId: string | null;
	metadata: Record<string, string> | null;
	counts: { total: number; completed: number; failed: number };
}

/** A request waiting for its slot. */
/** The endpoint a batch's url (`/v1/embeddings`) names; the Worker checked it when the batch was created. */
export function batchEndpoint(url: string): OpenAiEndpoint {
	const parsed = openAiEndpointSchema.safeParse(url.replace(/^\/v1\//, ""));
	return parsed.success ? parsed.data : "chat/completions";
}

export interface PendingRequest {
	batchId: string;
	line: number;
	customId: string | null;
	model: string;
	/** The batch's endpoint, as the path after /v1/: routing sends the request only where it is served. */
	endpoint: OpenAiEndpoint;
	requestJson: string;
	defer: boolean;
	createdAt: number;
	expiresAt: number;
	allowedRegions: string[] | null;
	quota: BatchQuota | null;
}

/** A request running as a job in a zone. */
export interface DispatchedRequest {
	batchId: string;
	line: number;
	customId: string | null;
	jobId: string;
	zoneId: string;
	/** The batch is being cancelled: the job is cancelled in its zone. */
	cancelling: boolean;
	/** The key's limiter and the reservation its job holds there, settled when the job ends; null: none. */
	permit: { keyId: string; permitId: string } | null;
}

/** What the scheduler's tick works on. */
export interface BatchWork {
	pending: PendingRequest[];
	dispatched: DispatchedRequest[];
	/** Batches whose every request ended: their files are written next. */
	toFinalize: string[];
	/** Batches still in_progress or cancelling; 0 takes the tenant off the cron's list. */
	liveBatches: number;
}

export const workInputSchema = z.object({
	tenantId: tenantSchema,
	now: z.number().int(),
	limit: z.number().int().min(1).max(5_000),
});

export const dispatchedInputSchema = z.object({
	tenantId: tenantSchema,
	batchId: idSchema,
	line: z.number().int().min(1),
	jobId: z.string().min(1).max(64),
	zoneId: z.string().min(1).max(64),
	/** The reservation the request's job holds against its key's daily tokens. */
	permitId: z.string().min(1).max(64).nullable().optional(),
});

export const settleInputSchema = z.object({
	tenantId: tenantSchema,
	batchId: idSchema,
	line: z.number().int().min(1),
	state: z.enum(["succeeded", "failed", "cancelled"]),
	/** The output or error line (JSON text) written to the batch's files. */
	resultJson: z.string().max(4 * 1024 * 1024),
});

/** The ended requests of a batch, for its output and error files. */
export interface BatchResults {
	output: string[];
	errors: string[];
}

export const requestRefInputSchema = z.object({
	tenantId: tenantSchema,
	batchId: idSchema,
	line: z.number().int().min(1),
});

export const leaseInputSchema = z.object({ tenantId: tenantSchema, now: z.number().int() });
export const tenantInputSchema = z.object({ tenantId: tenantSchema });

export const finalizeInputSchema = z.object({
	tenantId: tenantSchema,
	batchId: idSchema,
	outputFileId: idSchema.nullable(),
	errorFileId: idSchema.nullable(),
	now: z.number().int(),
});
