/**
 * The RPC contract of GeozoneDO: the inputs it validates and the results it
 * returns. The Worker calls these methods on typed stubs; every input is
 * checked with zod inside the object too, because an RPC is a boundary.
 */

import * as z from "zod";
import {
	jobEventSchema,
	jobIdSchema,
	leaseIdSchema,
	modelNameSchema,
	nodeIdSchema,
	pollRequestSchema,
	telemetryRequestSchema,
	traceparentSchema,
	zoneIdSchema,
} from "../../src/protocol/agent-wire.js";
import type { AsyncJobView } from "../../src/protocol/job-object.js";
import type { ModelServing } from "../../src/protocol/model-serving.js";

/** Longest request JSON a job may carry: the Worker's 2 MiB body limit. */
export const MAX_REQUEST_JSON_CHARS = 2 * 1024 * 1024;
/** Longest routing record: one entry per candidate zone, a few hundred characters each. */
export const MAX_ROUTING_JSON_CHARS = 256 * 1024;

/** A string that holds the JSON text of an object (not an array, not a scalar), at most `max` characters. */
function jsonObjectText(max: number) {
	return z
		.string()
		.max(max)
		.refine(isJsonObjectText, { message: "expected the JSON text of an object, such as JSON.stringify({...}) gives" });
}

/** Text that starts with "{" and parses is the JSON of an object. */
function isJsonObjectText(text: string): boolean {
	if (!text.startsWith("{")) return false;
	try {
		JSON.parse(text);
		return true;
	} catch {
		return false;
	}
}

export const submitJobInputSchema = z.object({
	zoneId: zoneIdSchema,
	jobId: jobIdSchema,
	tenantId: z.string().min(1).max(64),
	model: modelNameSchema,
	/**
	 * The inference request for the node (agent-wire's InferenceRequest) as the JSON text the Worker
	 * made of the body it validated. The zone stores and hands it on as it is and never reads it, so it
	 * checks the text is a JSON object and leaves the fields to the two ends that read them: the Worker
	 * validated the client's body, and the agent validates every job it is handed.
	 */
	requestJson: jsonObjectText(MAX_REQUEST_JSON_CHARS),
	/** Whether the client asked for SSE; recorded in history only. */
	stream: z.boolean(),
	/** Epoch ms at which the Worker received the request. */
	receivedAt: z.number().int(),
	/** The routing decision as JSON text (an object), recorded verbatim in D1 with the job. */
	routingJson: jsonObjectText(MAX_ROUTING_JSON_CHARS),
	/** sync (a client reads the stream; the default) or async (POST /v1/jobs; no stream, see submitAsync). */
	kind: z.enum(["sync", "async"]).optional(),
	/** The API key the job came with (api_keys.id); absent for the dev key. */
	apiKeyId: z.string().min(1).max(64).optional(),
	/** Async jobs: where to POST the job object when it ends, and the secret that signs it (never returned). */
	webhook: z.object({ url: z.string().url().max(2048), secret: z.string().min(16).max(256).optional() }).optional(),
	/** Async jobs: when a job still queued is given up and forgotten (epoch ms). */
	expiresAt: z.number().int().optional(),
	/**
	 * The client's own deadline (ms after receivedAt) for the job's first output, replacing the zone's
	 * queue-wait and first-token limits; the Worker has checked it against JOB_TIMEOUT_MAX_MS.
	 */
	timeoutMs: z.number().int().min(1).max(3_600_000).optional(),
	/** The request's trace with the edge's span as parent (src/http/request-trace.ts); the zone starts one when absent. */
	traceparent: z.optional(traceparentSchema),
});
export type SubmitJobInput = z.infer<typeof submitJobInputSchema>;

/** Why a zone refused a job; the router then tries the next zone. */
export type RefusalReason = "no_live_node" | "queue_full" | "zone_disabled";

/** The zone's capacity right after a submit: free slots of live nodes and jobs waiting for one. */
export interface ZoneLoad {
	slots: number;
	freeSlots: number;
	queueDepth: number;
	/** Epoch ms at which the zone measured it. */
	at: number;
}

/** What submit answers, with the zone's load after it (routers work without it). */
export type SubmitJobAnswer = SubmitJobResult & { load?: ZoneLoad };
/** What submitAsync answers, with the zone's load after it. */
export type SubmitAsyncAnswer = SubmitAsyncResult & { load?: ZoneLoad };

export type SubmitJobResult =
	| {
			accepted: true;
			stream: ReadableStream<Uint8Array>;
			/**
			 * The lease made while accepting (a poll was waiting): its `assigned` event is not repeated
			 * on the stream, which carries the assignments made later. Null when the job was queued.
			 */
			assigned: { nodeId: string; attempt: number } | null;
	  }
	| { accepted: false; reason: RefusalReason; retryAfterMs: number };

// The wire schemas are zod/mini, which has no .extend(); spreading the shape into a strict object is the same schema.
export const pollInputSchema = z.strictObject({
	...pollRequestSchema.shape,
	zoneId: zoneIdSchema,
	nodeId: nodeIdSchema,
});
export type PollInput = z.infer<typeof pollInputSchema>;

export const postEventsInputSchema = z.object({
	zoneId: zoneIdSchema,
	nodeId: nodeIdSchema,
	jobId: jobIdSchema,
	leaseId: leaseIdSchema,
	events: z.array(jobEventSchema).min(1).max(1000),
});
export type PostEventsInput = z.infer<typeof postEventsInputSchema>;

export type PostEventsResult =
	| { ok: true; leaseExpiresAt: number; cancelled: boolean }
	| { ok: false; reason: "lease_not_held" | "job_not_found" | "bad_sequence"; message: string };

export const heartbeatInputSchema = z.strictObject({
	...telemetryRequestSchema.shape,
	zoneId: zoneIdSchema,
	nodeId: nodeIdSchema,
});
export type HeartbeatInput = z.infer<typeof heartbeatInputSchema>;

export interface HeartbeatResult {
	leases: Record<string, number>;
	cancel: string[];
}

export const releaseInputSchema = z.object({
	zoneId: zoneIdSchema,
	nodeId: nodeIdSchema,
	leases: z.array(z.object({ jobId: jobIdSchema, leaseId: leaseIdSchema })).max(1024),
});
export type ReleaseInput = z.infer<typeof releaseInputSchema>;

/** What the zone tells routers about itself. Written to D1 `zone_status` too. */
export interface ZoneSummary {
	zoneId: string;
	liveNodes: number;
	models: string[];
	/** Per model in `models`: endpoints, extra inputs and context length its live nodes serve (merged). */
	modelDetails: Record<string, ModelServing>;
	slots: number;
	freeSlots: number;
	queueDepth: number;
	updatedAt: number;
	/** Σ GPU power capacity of live nodes from their last telemetry (W): power limits, draw where none (nodes/zone-power.ts). */
	powerW: number;
	/** The part of powerW of nodes with their own intensity (telemetry `power`, src/protocol/power-source.ts) (W). */
	ownPowerW: number;
	/** Σ over those nodes of capacity (W) × their gCO2eq/kWh; see src/carbon/node-power.ts. */
	ownPowerGco2W: number;
	/** Moving average (EWMA, α 0.2) of receipt-to-first-lease wait (ms); 0 before the first job. */
	queueWaitMs: number;
	/** Moving average (EWMA, α 0.2) of lease-to-first-token time (ms); 0 before the first token. */
	ttftMs: number;
}

/** What `release` did with each handed-back job. */
export interface ReleaseResult {
	/** Back in the queue (no output yet; the attempt is not counted). */
	requeued: string[];
	/** Ended: output had already been streamed (code `shutdown`). */
	failed: string[];
	/** Not leased to this node under that lease id; left alone. */
	notHeld: string[];
}

/** What submitAsync answers: accepted (now, or `replayed` when the zone already held this job id) or refused. */
export type SubmitAsyncResult =
	| { accepted: true; replayed: boolean }
	| { accepted: false; reason: RefusalReason; retryAfterMs: number };

/** Inputs of getJob and cancelForTenant: the job and the tenant that must own it. */
export const tenantJobInputSchema = z.object({
	zoneId: zoneIdSchema,
	jobId: jobIdSchema,
	tenantId: z.string().min(1).max(64),
});
export type TenantJobInput = z.infer<typeof tenantJobInputSchema>;

/** An async job as the zone holds it; defined with the job object it becomes. */
export type { AsyncJobView };

/** What cancelForTenant did: cancelled (with the job now), not found (or another tenant's), or already finished. */
export type CancelForTenantResult =
	| { outcome: "cancelled"; job: AsyncJobView }
	| { outcome: "not_found" }
	| { outcome: "finished"; status: AsyncJobView["status"] };

/** Input of resume: the job, and how many of its deltas the reader already relayed (those are not sent again). */
export const resumeJobInputSchema = z.object({
	zoneId: zoneIdSchema,
	jobId: jobIdSchema,
	skipDeltas: z.number().int().min(0).max(10_000_000),
});
export type ResumeJobInput = z.infer<typeof resumeJobInputSchema>;

/** What resume answers: a fresh NDJSON stream (job-stream.ts format), or why there is none. */
export type ResumeJobResult =
	| { found: true; stream: ReadableStream<Uint8Array> }
	| { found: false; reason: "job_not_found"; message: string };
