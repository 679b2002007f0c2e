/**
 * Wire schemas of the agent protocol: what `node-agent` sends to the edge and
 * what the edge answers. This module is the single source of truth for the
 * protocol (design decision 6): the Worker validates with it and the agent
 * bundle imports it, so neither side can drift.
 */
import { z } from "zod";
import { chatMessageSchema, MAX_MESSAGES, MAX_TOKENS_CEILING } from "./openai.js";

/** Node ids are minted at enrollment: `node_` followed by 24 lowercase base32 characters. */
export const nodeIdSchema = z.string().regex(/^node_[a-z0-9]{8,40}$/, "a node id like node_abc123…");
/** Geozone ids are short kebab-case names such as `eu-north` or `us-west`. */
export const zoneIdSchema = z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, "a zone id in kebab-case, e.g. us-west");
/** Job ids are `job_` followed by 24 or more lowercase alphanumerics. */
export const jobIdSchema = z.string().regex(/^job_[a-z0-9]{16,40}$/, "a job id like job_abc123…");
/** Lease ids are opaque; the edge mints them when it hands a job to a node. */
export const leaseIdSchema = z.string().regex(/^lease_[a-z0-9]{16,40}$/, "a lease id like lease_abc123…");
/** Model names as served by an inference backend (`llama3.1:8b`, `meta-llama/Llama-3.1-8B-Instruct`). */
export const modelNameSchema = z
	.string()
	.min(1)
	.max(200)
	.regex(/^[\w.:/@+-]+$/, "letters, digits and . : / @ + - _");

/** The node's Ed25519 public key as a JWK: the only key type the edge accepts. */
export const ed25519PublicJwkSchema = z
	.object({
		kty: z.literal("OKP"),
		crv: z.literal("Ed25519"),
		x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "43 base64url characters (32 bytes)"),
	})
	.strict();
export type Ed25519PublicJwk = z.infer<typeof ed25519PublicJwkSchema>;

/** Where the node's GPU readings come from. `simulated` on hosts without nvidia-smi. */
export const hardwareSourceSchema = z.enum(["nvidia-smi", "simulated"]);

/** POST /agent/v1/enroll: trade a one-time enrollment token for a registered identity. */
export const enrollRequestSchema = z
	.object({
		token: z.string().min(16).max(200),
		name: z.string().min(1).max(100),
		publicKeyJwk: ed25519PublicJwkSchema,
		agentVersion: z.string().min(1).max(40),
		gpuModel: z.string().max(100).optional(),
	})
	.strict();
export type EnrollRequest = z.infer<typeof enrollRequestSchema>;

export const enrollResponseSchema = z.object({
	nodeId: nodeIdSchema,
	zoneId: zoneIdSchema,
	/** The `aud` every JWT of this node must carry. */
	audience: z.string(),
});
export type EnrollResponse = z.infer<typeof enrollResponseSchema>;

/** POST /agent/v1/keys/rotate: replace the node's public key; signed with the CURRENT key. */
export const rotateKeyRequestSchema = z.object({ publicKeyJwk: ed25519PublicJwkSchema }).strict();
export type RotateKeyRequest = z.infer<typeof rotateKeyRequestSchema>;

export const rotateKeyResponseSchema = z.object({
	nodeId: nodeIdSchema,
	/** Epoch ms of the rotation; JWTs signed with the old key are refused from then on. */
	keyRotatedAt: z.number().int(),
});
export type RotateKeyResponse = z.infer<typeof rotateKeyResponseSchema>;

/** GET /agent/v1/whoami: who the edge takes the signer to be (used by `arcnet-agent doctor`). */
export const whoamiResponseSchema = z.object({
	nodeId: nodeIdSchema,
	zoneId: zoneIdSchema,
	/** Epoch ms of the last key rotation, null if the enrollment key is still in use. */
	keyRotatedAt: z.number().int().nullable(),
});
export type WhoamiResponse = z.infer<typeof whoamiResponseSchema>;

/** The inference request a job carries to the node: the OpenAI chat body, minus routing extras. */
export const inferenceRequestSchema = z.object({
	messages: z.array(chatMessageSchema).min(1).max(MAX_MESSAGES),
	max_tokens: z.number().int().positive().max(MAX_TOKENS_CEILING).optional(),
	temperature: z.number().min(0).max(2).optional(),
	top_p: z.number().gt(0).max(1).optional(),
	stop: z.array(z.string().max(1000)).max(4).optional(),
	seed: z.number().int().optional(),
});
export type InferenceRequest = z.infer<typeof inferenceRequestSchema>;

/** One job handed to a node by a long-poll, under a lease. */
export const leasedJobSchema = z.object({
	jobId: jobIdSchema,
	leaseId: leaseIdSchema,
	/** Epoch milliseconds; the node must renew (heartbeat or post) before then. */
	leaseExpiresAt: z.number().int(),
	/** 1 for the first delivery, 2 after one re-queue, and so on. */
	attempt: z.number().int().positive(),
	model: modelNameSchema,
	request: inferenceRequestSchema,
});
export type LeasedJob = z.infer<typeof leasedJobSchema>;

/** POST /agent/v1/poll: wait up to `waitMs` for 1..`maxJobs` jobs. */
export const pollRequestSchema = z
	.object({
		/** Free slots the node offers now; the edge never leases more. */
		maxJobs: z.number().int().min(1).max(64),
		/** How long to wait for work; the edge caps it at POLL_MAX_WAIT_MS. */
		waitMs: z.number().int().min(0).max(30_000),
		/** Models the node's backend serves right now. */
		models: z.array(modelNameSchema).min(1).max(100),
		/** Total job slots of the node. */
		slots: z.number().int().min(1).max(1024),
	})
	.strict();
export type PollRequest = z.infer<typeof pollRequestSchema>;

export const pollResponseSchema = z.object({ jobs: z.array(leasedJobSchema) });
export type PollResponse = z.infer<typeof pollResponseSchema>;

export const tokenUsageSchema = z.object({
	prompt_tokens: z.number().int().min(0),
	completion_tokens: z.number().int().min(0),
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

/** One piece of a job's output. `seq` starts at 0 and increases by 1 per event of the lease. */
export const jobEventSchema = z.discriminatedUnion("type", [
	z.object({ seq: z.number().int().min(0), type: z.literal("delta"), text: z.string().max(1_000_000) }),
	z.object({
		seq: z.number().int().min(0),
		type: z.literal("done"),
		finishReason: z.enum(["stop", "length", "content_filter"]),
		usage: tokenUsageSchema,
	}),
	z.object({
		seq: z.number().int().min(0),
		type: z.literal("error"),
		code: jobErrorCodeSchema,
		message: z.string().max(2000),
		/** True when the job may be tried again (on this or another node). */
		retryable: z.boolean(),
	}),
]);
export type JobEvent = z.infer<typeof jobEventSchema>;

/** POST /agent/v1/jobs/:jobId/events: output, completion or failure, under a lease. */
export const jobEventsRequestSchema = z
	.object({
		leaseId: leaseIdSchema,
		events: z.array(jobEventSchema).min(1).max(1000),
	})
	.strict();
export type JobEventsRequest = z.infer<typeof jobEventsRequestSchema>;

export const jobEventsResponseSchema = z.object({
	/** The lease's new expiry (epoch ms): every accepted post renews it. */
	leaseExpiresAt: z.number().int(),
	/** True when the client went away or cancelled: stop the backend request. */
	cancelled: z.boolean(),
});
export type JobEventsResponse = z.infer<typeof jobEventsResponseSchema>;

/** POST /agent/v1/jobs/release: hand leased jobs back (drain on shutdown). */
export const releaseRequestSchema = z
	.object({
		leases: z.array(z.object({ jobId: jobIdSchema, leaseId: leaseIdSchema })).max(1024),
	})
	.strict();
export type ReleaseRequest = z.infer<typeof releaseRequestSchema>;

/** One GPU's reading, as nvidia-smi reports it. `null` where nvidia-smi says [N/A]. */
export const gpuReadingSchema = z.object({
	index: z.number().int().min(0),
	name: z.string().max(100),
	uuid: z.string().max(100).optional(),
	utilizationPct: z.number().min(0).max(100).nullable(),
	memoryUsedMiB: z.number().min(0).nullable(),
	memoryTotalMiB: z.number().min(0).nullable(),
	temperatureC: z.number().min(-50).max(150).nullable(),
	powerDrawW: z.number().min(0).nullable(),
	powerLimitW: z.number().min(0).nullable(),
});
export type GpuReading = z.infer<typeof gpuReadingSchema>;

/** A node's own power source and its carbon intensity, reported by the operator's config. */
export const powerSourceSchema = z
	.object({
		source: z.enum(["grid", "solar", "wind", "hydro", "battery", "mixed"]),
		/** gCO2eq/kWh of that source (lifecycle); for `grid` the zone's signal is used instead. */
		gco2PerKwh: z.number().min(0).max(2000),
	})
	.strict();
export type PowerSource = z.infer<typeof powerSourceSchema>;

/** POST /agent/v1/telemetry: heartbeat, lease renewal and readings in one. */
export const telemetryRequestSchema = z
	.object({
		hardware: hardwareSourceSchema,
		gpus: z.array(gpuReadingSchema).max(64),
		host: z.object({
			cpuPct: z.number().min(0).max(100),
			memUsedBytes: z.number().int().min(0),
			memTotalBytes: z.number().int().min(0),
		}),
		models: z.array(modelNameSchema).max(100),
		slots: z.number().int().min(1).max(1024),
		/** Jobs the node is running, with the lease each one is held under. */
		running: z.array(z.object({ jobId: jobIdSchema, leaseId: leaseIdSchema })).max(1024),
		/** Output tokens per second over the last telemetry interval. */
		tokensPerSecond: z.number().min(0),
		/** Jobs accepted by the node but not yet started on the backend. */
		queueDepth: z.number().int().min(0),
		/** The node's own power source, when it has one (on-site solar, battery); absent means the grid. */
		power: powerSourceSchema.optional(),
	})
	.strict();
export type TelemetryRequest = z.infer<typeof telemetryRequestSchema>;

export const telemetryResponseSchema = z.object({
	/** Renewed leases: jobId to new expiry (epoch ms). */
	leases: z.record(z.string(), z.number().int()),
	/** Jobs the node should stop: cancelled by the client, or no longer leased to this node. */
	cancel: z.array(jobIdSchema),
});
export type TelemetryResponse = z.infer<typeof telemetryResponseSchema>;

/** Claims of the short-lived EdDSA JWT an agent signs for every request. */
export const AGENT_JWT_MAX_AGE_S = 120;
export const AGENT_JWT_CLOCK_TOLERANCE_S = 5;
