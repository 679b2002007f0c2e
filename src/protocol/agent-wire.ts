/**
 * Wire schemas of the agent protocol: what `node-agent` sends to the edge and
 * what the edge answers. This module is the single source of truth for the
 * protocol (design decision 6): the Worker validates with it and the agent
 * bundle imports it, so neither side can drift. It is written with zod/mini
 * (./zod-mini.ts) so that the agent bundles only the zod it uses; the Worker
 * composes these schemas into its own classic-zod ones freely.
 */
import { chatBodyShape, completionBodyShape, type Endpoint, embeddingBodyShape } from "./chat-request.js";
import { type JsonObject, jsonObjectSchema } from "./json-value.js";
import { modelServingSchema } from "./model-serving.js";
import { powerSourceSchema } from "./power-source.js";
import { isTraceparent } from "./trace-context.js";
import * as z from "./zod-mini.js";

/** Node ids are minted at enrollment: `node_` followed by 24 lowercase base32 characters. */
export const nodeIdSchema = z.string().check(z.regex(/^node_[a-z0-9]{8,40}$/, "a node id like node_abc123…"));
/** Geozone ids are short kebab-case names such as `eu-north` or `us-west`. */
export const zoneIdSchema = z
	.string()
	.check(z.regex(/^[a-z][a-z0-9-]{1,39}$/, "a zone id in kebab-case, e.g. us-west"));
/** Job ids are `job_` followed by 24 or more lowercase alphanumerics. */
export const jobIdSchema = z.string().check(z.regex(/^job_[a-z0-9]{16,40}$/, "a job id like job_abc123…"));
/** Lease ids are opaque; the edge mints them when it hands a job to a node. */
export const leaseIdSchema = z.string().check(z.regex(/^lease_[a-z0-9]{16,40}$/, "a lease id like lease_abc123…"));
/** A W3C traceparent of version 00 with non-zero ids: the trace a job belongs to and its parent span. */
export const traceparentSchema = z
	.string()
	.check(z.refine(isTraceparent, "a W3C traceparent like 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>"));
/** Model names as served by an inference backend (`llama3.1:8b`, `meta-llama/Llama-3.1-8B-Instruct`). */
export const modelNameSchema = z
	.string()
	.check(z.minLength(1), z.maxLength(200), z.regex(/^[\w.:/@+-]+$/, "letters, digits and . : / @ + - _"));

/** The node's Ed25519 public key as a JWK: the only key type the edge accepts. */
export const ed25519PublicJwkSchema = z.strictObject({
	kty: z.literal("OKP"),
	crv: z.literal("Ed25519"),
	x: z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/, "43 base64url characters (32 bytes)")),
});
export type Ed25519PublicJwk = z.infer<typeof ed25519PublicJwkSchema>;

/** Where the node's GPU readings come from. `simulated` on hosts without nvidia-smi. */
export const hardwareSourceSchema = z.enum(["nvidia-smi", "simulated"]);

/** POST /agent/v1/enroll: trade a one-time enrollment token for a registered identity. */
export const enrollRequestSchema = z.strictObject({
	token: z.string().check(z.minLength(16), z.maxLength(200)),
	name: z.string().check(z.minLength(1), z.maxLength(100)),
	publicKeyJwk: ed25519PublicJwkSchema,
	agentVersion: z.string().check(z.minLength(1), z.maxLength(40)),
	gpuModel: z.optional(z.string().check(z.maxLength(100))),
});
export type EnrollRequest = z.infer<typeof enrollRequestSchema>;

export const enrollResponseSchema = z.object({
	nodeId: nodeIdSchema,
	zoneId: zoneIdSchema,
	/** The `aud` every JWT of this node must carry. */
	audience: z.string(),
});
export type EnrollResponse = z.infer<typeof enrollResponseSchema>;

/** POST /agent/v1/keys/rotate: replace the node's public key; signed with the CURRENT key. */
export const rotateKeyRequestSchema = z.strictObject({
	publicKeyJwk: ed25519PublicJwkSchema,
	/**
	 * Proof that the node holds the new key's private half: a compact EdDSA JWS
	 * signed with the NEW key, header `typ` KEY_ROTATION_PROOF_TYP, claims
	 * KeyRotationProofClaims. Without it a node could register a key it cannot
	 * sign with and lock itself out.
	 */
	proof: z.string().check(z.minLength(1), z.maxLength(2048)),
});
export type RotateKeyRequest = z.infer<typeof rotateKeyRequestSchema>;

/** The `typ` header of a key rotation proof, so that no agent JWT can pass for one (or the reverse). */
export const KEY_ROTATION_PROOF_TYP = "arcnet-key-rotation+jwt";

/** What a key rotation proof signs: which node, for which edge, replacing which key, and when. */
export interface KeyRotationProofClaims {
	/** The node id. */
	sub: string;
	/** The edge's audience (enrollment's `audience`). */
	aud: string;
	/** The `x` of the key being replaced, so a proof cannot be replayed after a later rotation. */
	prev: string;
	/** The `x` of the new key, the one that signs. */
	x: string;
	/** Epoch seconds; a proof older than AGENT_JWT_MAX_AGE_S is refused. */
	iat: number;
	exp: number;
}

export const rotateKeyResponseSchema = z.object({
	nodeId: nodeIdSchema,
	/** Epoch ms of the rotation; JWTs signed with the old key are refused from then on. */
	keyRotatedAt: z.int(),
});
export type RotateKeyResponse = z.infer<typeof rotateKeyResponseSchema>;

/** GET /agent/v1/whoami: who the edge takes the signer to be (used by `arcnet-agent doctor`). */
export const whoamiResponseSchema = z.object({
	nodeId: nodeIdSchema,
	zoneId: zoneIdSchema,
	/** Epoch ms of the last key rotation, null if the enrollment key is still in use. */
	keyRotatedAt: z.nullable(z.int()),
});
export type WhoamiResponse = z.infer<typeof whoamiResponseSchema>;

/**
 * The inference request a job carries to the node: the client's body for its
 * endpoint, less `model` and `arcnet`, with the endpoint beside it (absent
 * means chat/completions). Fields the edge does not know pass as they came (ADR 0016).
 */
const inferenceRequestUnion = z.union([
	z.looseObject({ endpoint: z.optional(z.literal("chat/completions")), ...chatBodyShape }),
	z.looseObject({ endpoint: z.literal("completions"), ...completionBodyShape }),
	z.looseObject({ endpoint: z.literal("embeddings"), ...embeddingBodyShape }),
]);
/** Typed as JSON (so it crosses RPC); the agent reads its fields with the schemas of ./chat-request.ts. */
export type InferenceRequest = JsonObject & { endpoint?: Endpoint };
export const inferenceRequestSchema = z.pipe(
	inferenceRequestUnion,
	z.transform((request): InferenceRequest => request as InferenceRequest),
);

/** One job handed to a node by a long-poll, under a lease. */
export const leasedJobSchema = z.object({
	jobId: jobIdSchema,
	leaseId: leaseIdSchema,
	/** Epoch milliseconds; the node must renew (heartbeat or post) before then. */
	leaseExpiresAt: z.int(),
	/** 1 for the first delivery, 2 after one re-queue, and so on. */
	attempt: z.int().check(z.positive()),
	model: modelNameSchema,
	request: inferenceRequestSchema,
	/** The job's trace and the edge's span as its parent: the node continues it to its backend. */
	traceparent: z.optional(traceparentSchema),
});
export type LeasedJob = z.infer<typeof leasedJobSchema>;

/** POST /agent/v1/poll: wait up to `waitMs` for 1..`maxJobs` jobs. */
export const pollRequestSchema = z.strictObject({
	/** Free slots the node offers now; the edge never leases more. */
	maxJobs: z.int().check(z.minimum(1), z.maximum(64)),
	/** How long to wait for work; the edge caps it at POLL_MAX_WAIT_MS. */
	waitMs: z.int().check(z.minimum(0), z.maximum(30_000)),
	/** Models the node's backend serves right now. */
	models: z.array(modelNameSchema).check(z.minLength(1), z.maxLength(100)),
	/** Total job slots of the node. */
	slots: z.int().check(z.minimum(1), z.maximum(1024)),
});
export type PollRequest = z.infer<typeof pollRequestSchema>;

export const pollResponseSchema = z.object({ jobs: z.array(leasedJobSchema) });
export type PollResponse = z.infer<typeof pollResponseSchema>;

export const tokenUsageSchema = z.object({
	prompt_tokens: z.int().check(z.minimum(0)),
	completion_tokens: z.int().check(z.minimum(0)),
});
export type TokenUsage = z.infer<typeof tokenUsageSchema>;

/** Error codes a node may report for a job; `retryable` ones may be re-queued elsewhere. */
export const jobErrorCodeSchema = z.enum([
	"model_not_found",
	"backend_overloaded",
	"context_length_exceeded",
	"backend_unreachable",
	"backend_error",
	"cancelled",
	"shutdown",
	"lease_expired",
	"max_attempts",
	"invalid_request",
]);
export type JobErrorCode = z.infer<typeof jobErrorCodeSchema>;

const seqSchema = z.int().check(z.minimum(0));

/** Most energy one job may report (J): 8 GPUs at 1 kW for a day, far beyond any real job. */
export const MAX_MEASURED_JOB_J = 8 * 1000 * 86_400;
/** A finish reason as a backend gives it. */
export const finishReasonSchema = z.string().check(z.minLength(1), z.maxLength(64));

/** A backend's JSON object (a chunk or a response), relayed without being read. */
export const backendBodySchema = jsonObjectSchema;
export type BackendBody = JsonObject;

/** One piece of a job's output. `seq` starts at 0 and increases by 1 per event of the lease. */
export const jobEventSchema = z.discriminatedUnion("type", [
	z.object({
		seq: seqSchema,
		type: z.literal("delta"),
		/** The chunk's content text (all choices'), for the zone's output text; may be empty when `chunk` is set. */
		text: z.string().check(z.maxLength(1_000_000)),
		/** The backend's stream chunk as it came, less `id` and `created`: the Worker relays it (ADR 0016). */
		chunk: z.optional(backendBodySchema),
	}),
	z.object({
		seq: seqSchema,
		type: z.literal("done"),
		/** The backend's finish reason as it gave it (`stop`, `length`, `tool_calls`, ...). */
		finishReason: finishReasonSchema,
		usage: tokenUsageSchema,
		/** The job's GPU energy (J) as the node measured it (nvidia-smi); absent: the edge estimates it. */
		energyJ: z.optional(z.number().check(z.minimum(0), z.maximum(MAX_MEASURED_JOB_J))),
		/** An unstreamed job's whole backend response, less `id` and `created`: the Worker relays it. */
		response: z.optional(backendBodySchema),
	}),
	z.object({
		seq: seqSchema,
		type: z.literal("error"),
		code: jobErrorCodeSchema,
		message: z.string().check(z.maxLength(2000)),
		/** True when the job may be tried again (on this or another node). */
		retryable: z.boolean(),
	}),
]);
export type JobEvent = z.infer<typeof jobEventSchema>;

/** POST /agent/v1/jobs/:jobId/events: output, completion or failure, under a lease. */
export const jobEventsRequestSchema = z.strictObject({
	leaseId: leaseIdSchema,
	events: z.array(jobEventSchema).check(z.minLength(1), z.maxLength(1000)),
});
export type JobEventsRequest = z.infer<typeof jobEventsRequestSchema>;

export const jobEventsResponseSchema = z.object({
	/** The lease's new expiry (epoch ms): every accepted post renews it. */
	leaseExpiresAt: z.int(),
	/** True when the client went away or cancelled: stop the backend request. */
	cancelled: z.boolean(),
});
export type JobEventsResponse = z.infer<typeof jobEventsResponseSchema>;

const heldLeaseSchema = z.object({ jobId: jobIdSchema, leaseId: leaseIdSchema });

/** POST /agent/v1/jobs/release: hand leased jobs back (drain on shutdown). */
export const releaseRequestSchema = z.strictObject({
	leases: z.array(heldLeaseSchema).check(z.maxLength(1024)),
});
export type ReleaseRequest = z.infer<typeof releaseRequestSchema>;

/** One GPU's reading, as nvidia-smi reports it. `null` where nvidia-smi says [N/A]. */
export const gpuReadingSchema = z.object({
	index: z.int().check(z.minimum(0)),
	name: z.string().check(z.maxLength(100)),
	uuid: z.optional(z.string().check(z.maxLength(100))),
	utilizationPct: z.nullable(z.number().check(z.minimum(0), z.maximum(100))),
	memoryUsedMiB: z.nullable(z.number().check(z.minimum(0))),
	memoryTotalMiB: z.nullable(z.number().check(z.minimum(0))),
	temperatureC: z.nullable(z.number().check(z.minimum(-50), z.maximum(150))),
	powerDrawW: z.nullable(z.number().check(z.minimum(0))),
	powerLimitW: z.nullable(z.number().check(z.minimum(0))),
});
export type GpuReading = z.infer<typeof gpuReadingSchema>;

export { type PowerSource, powerSourceSchema } from "./power-source.js";

/** One model's serving details in telemetry (see ./model-serving.ts). */
export const modelDetailSchema = z.extend(modelServingSchema, { model: modelNameSchema });
export type ModelDetail = z.infer<typeof modelDetailSchema>;

/** POST /agent/v1/telemetry: heartbeat, lease renewal and readings in one. */
export const telemetryRequestSchema = z.strictObject({
	hardware: hardwareSourceSchema,
	gpus: z.array(gpuReadingSchema).check(z.maxLength(64)),
	host: z.object({
		cpuPct: z.number().check(z.minimum(0), z.maximum(100)),
		memUsedBytes: z.int().check(z.minimum(0)),
		memTotalBytes: z.int().check(z.minimum(0)),
	}),
	models: z.array(modelNameSchema).check(z.maxLength(100)),
	/** Per model: endpoints, extra inputs and context length. Absent (older agents) or a model left out: chat only. */
	modelDetails: z.optional(z.array(modelDetailSchema).check(z.maxLength(100))),
	slots: z.int().check(z.minimum(1), z.maximum(1024)),
	/** Jobs the node is running, with the lease each one is held under. */
	running: z.array(heldLeaseSchema).check(z.maxLength(1024)),
	/** Output tokens per second over the last telemetry interval. */
	tokensPerSecond: z.number().check(z.minimum(0)),
	/** Jobs accepted by the node but not yet started on the backend. */
	queueDepth: z.int().check(z.minimum(0)),
	/** The node's power as its operator declares it (./power-source.ts); absent means the grid. */
	power: z.optional(powerSourceSchema),
	/** Why the node's inference server stopped answering (its model list timed out or failed); absent while it answers. */
	backendProblem: z.optional(z.string().check(z.maxLength(500))),
});
export type TelemetryRequest = z.infer<typeof telemetryRequestSchema>;

export const telemetryResponseSchema = z.object({
	/** Renewed leases: jobId to new expiry (epoch ms). */
	leases: z.record(z.string(), z.int()),
	/** Jobs the node should stop: cancelled by the client, or no longer leased to this node. */
	cancel: z.array(jobIdSchema),
});
export type TelemetryResponse = z.infer<typeof telemetryResponseSchema>;

/** Claims of the short-lived EdDSA JWT an agent signs for every request. */
export const AGENT_JWT_MAX_AGE_S = 120;
export const AGENT_JWT_CLOCK_TOLERANCE_S = 5;
