/**
 * The RPC contract of GeozoneDO: the inputs it validates and the results it
 * returns. The Worker calls these methods on typed stubs; every input is
 * checked with zod inside the object too, because an RPC is a boundary.
 */
import { z } from "zod";
import {
	inferenceRequestSchema,
	jobEventSchema,
	jobIdSchema,
	leaseIdSchema,
	modelNameSchema,
	nodeIdSchema,
	pollRequestSchema,
	telemetryRequestSchema,
	zoneIdSchema,
} from "../../src/protocol/agent-wire.js";

export const submitJobInputSchema = z.object({
	zoneId: zoneIdSchema,
	jobId: jobIdSchema,
	tenantId: z.string().min(1).max(64),
	model: modelNameSchema,
	request: inferenceRequestSchema,
	/** Whether the client asked for SSE; recorded in history only. */
	stream: z.boolean(),
	/** Epoch ms at which the Worker received the request. */
	receivedAt: z.number().int(),
	/** The routing decision, recorded verbatim in D1 with the job. */
	routing: z.record(z.string(), z.unknown()),
});
export type SubmitJobInput = z.infer<typeof submitJobInputSchema>;

/** Why a zone refused a job; the router then tries the next zone. */
export type RefusalReason = "no_live_node" | "queue_full" | "zone_disabled";

export type SubmitJobResult =
	| { accepted: true; stream: ReadableStream<Uint8Array> }
	| { accepted: false; reason: RefusalReason; retryAfterMs: number };

export const pollInputSchema = pollRequestSchema.extend({ zoneId: zoneIdSchema, nodeId: nodeIdSchema });
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

export const heartbeatInputSchema = telemetryRequestSchema.extend({ zoneId: zoneIdSchema, nodeId: nodeIdSchema });
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
	slots: number;
	freeSlots: number;
	queueDepth: number;
	updatedAt: number;
	/** Σ GPU power draw of live nodes from their last telemetry (W). */
	powerW: number;
	/** The part of powerW drawn by nodes on their own supply (telemetry `power`, source not "grid") (W). */
	ownPowerW: number;
	/** Σ over those nodes of draw (W) × their gCO2eq/kWh; see src/carbon/node-power.ts. */
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
