/**
 * The GeozoneDO's tunables, parsed once from the Worker's string vars. A bad
 * value stops the object at start-up with a message naming the var, rather
 * than leasing jobs with a NaN expiry.
 */
import { z } from "zod";

export interface GeozoneConfig {
	/** How long a node holds a job before it must renew (heartbeat or post). Default 30000 ms, 1000..600000. */
	leaseMs: number;
	/** A node is live while it has polled or heartbeated within this window. Default 20000 ms, 1000..600000. */
	nodeLiveMs: number;
	/** Queued jobs at which the zone refuses new ones. Default 256, 1..100000. */
	maxQueueDepth: number;
	/** Longest a long-poll waits before it answers an empty batch. Default 25000 ms, 0..30000. */
	pollMaxWaitMs: number;
	/** Deliveries of one job before it fails with max_attempts. Default 3, 1..20. */
	maxAttempts: number;
	/** How long queued jobs for a model wait after the zone's last node for it went, before they are handed back. Default 10000 ms, 0..600000. */
	zoneHandbackMs: number;
	/** Longest a sync job waits in the queue, from the request's arrival. Default 120000 ms, 1000..3600000. */
	queueTimeoutMs: number;
	/** Longest from a sync job's arrival to its first output. Default 180000 ms, 1000..3600000. */
	firstTokenTimeoutMs: number;
	/** Largest per-request timeout a client may ask for (x-arcnet-timeout-ms, arcnet.timeout_ms). Default 600000 ms, 1000..3600000. */
	maxTimeoutMs: number;
}

interface VarSpec {
	key: keyof GeozoneConfig;
	fallback: number;
	min: number;
	max: number;
}

/** The Worker vars the zone reads. */
export type GeozoneVarName =
	| "LEASE_MS"
	| "NODE_LIVE_MS"
	| "MAX_QUEUE_DEPTH"
	| "POLL_MAX_WAIT_MS"
	| "MAX_ATTEMPTS"
	| "ZONE_HANDBACK_MS"
	| "JOB_QUEUE_TIMEOUT_MS"
	| "JOB_FIRST_TOKEN_TIMEOUT_MS"
	| "JOB_TIMEOUT_MAX_MS";

const specs: Record<GeozoneVarName, VarSpec> = {
	LEASE_MS: { key: "leaseMs", fallback: 30_000, min: 1_000, max: 600_000 },
	NODE_LIVE_MS: { key: "nodeLiveMs", fallback: 20_000, min: 1_000, max: 600_000 },
	MAX_QUEUE_DEPTH: { key: "maxQueueDepth", fallback: 256, min: 1, max: 100_000 },
	POLL_MAX_WAIT_MS: { key: "pollMaxWaitMs", fallback: 25_000, min: 0, max: 30_000 },
	MAX_ATTEMPTS: { key: "maxAttempts", fallback: 3, min: 1, max: 20 },
	ZONE_HANDBACK_MS: { key: "zoneHandbackMs", fallback: 10_000, min: 0, max: 600_000 },
	JOB_QUEUE_TIMEOUT_MS: { key: "queueTimeoutMs", fallback: 120_000, min: 1_000, max: 3_600_000 },
	JOB_FIRST_TOKEN_TIMEOUT_MS: { key: "firstTokenTimeoutMs", fallback: 180_000, min: 1_000, max: 3_600_000 },
	JOB_TIMEOUT_MAX_MS: { key: "maxTimeoutMs", fallback: 600_000, min: 1_000, max: 3_600_000 },
};

/**
 * Parses the zone's vars; a missing var takes its default.
 * @example parseGeozoneConfig({ LEASE_MS: "30000" }).leaseMs // 30000
 */
export function parseGeozoneConfig(vars: Partial<Record<GeozoneVarName, unknown>>): GeozoneConfig {
	const config: GeozoneConfig = {
		leaseMs: 0,
		nodeLiveMs: 0,
		maxQueueDepth: 0,
		pollMaxWaitMs: 0,
		maxAttempts: 0,
		zoneHandbackMs: 0,
		queueTimeoutMs: 0,
		firstTokenTimeoutMs: 0,
		maxTimeoutMs: 0,
	};
	for (const name of Object.keys(specs) as GeozoneVarName[]) {
		const spec = specs[name];
		const raw = vars[name];
		const schema = z.coerce.number().int().min(spec.min).max(spec.max);
		const parsed =
			raw === undefined || raw === "" ? { success: true as const, data: spec.fallback } : schema.safeParse(raw);
		if (!parsed.success) {
			throw new Error(
				`${name}: expected an integer from ${spec.min} to ${spec.max}, got ${JSON.stringify(raw)} (${typeof raw})`,
			);
		}
		config[spec.key] = parsed.data;
	}
	return config;
}

/** The tunables of asynchronous jobs (POST /v1/jobs), read by the Worker and the zone alike. */
export interface AsyncJobConfig {
	/** How long a finished async job and its result are kept (JOB_RETENTION_MS). Default 86400000 ms, 1000..2592000000. */
	jobRetentionMs: number;
	/** Deliveries of one webhook before it is marked failed (WEBHOOK_MAX_ATTEMPTS). Default 5, 1..20. */
	webhookMaxAttempts: number;
	/** Whether http://127.0.0.1 / http://localhost webhooks are allowed (WEBHOOK_ALLOW_LOOPBACK_HTTP, dev/test only). Default false. */
	webhookAllowLoopbackHttp: boolean;
}

/** The Worker vars of asynchronous jobs. */
export type AsyncJobVarName = "JOB_RETENTION_MS" | "WEBHOOK_MAX_ATTEMPTS" | "WEBHOOK_ALLOW_LOOPBACK_HTTP";

const asyncSchema = z.object({
	JOB_RETENTION_MS: z.coerce.number().int().min(1_000).max(2_592_000_000).default(86_400_000),
	WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
	WEBHOOK_ALLOW_LOOPBACK_HTTP: z.enum(["true", "false"]).default("false"),
});

/**
 * Parses the async-job vars; a missing or empty var takes its default, a bad one throws naming it.
 * @example parseAsyncJobConfig({}).jobRetentionMs // 86400000
 */
export function parseAsyncJobConfig(vars: Partial<Record<AsyncJobVarName, unknown>>): AsyncJobConfig {
	const input = Object.fromEntries(
		(["JOB_RETENTION_MS", "WEBHOOK_MAX_ATTEMPTS", "WEBHOOK_ALLOW_LOOPBACK_HTTP"] as const)
			.filter((name) => vars[name] !== undefined && vars[name] !== "")
			.map((name) => [name, vars[name]]),
	);
	const parsed = asyncSchema.safeParse(input);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const name = String(issue?.path[0] ?? "(vars)");
		const raw = (input as Record<string, unknown>)[name];
		throw new Error(`${name}: ${issue?.message ?? "invalid"}, got ${JSON.stringify(raw)} (${typeof raw})`);
	}
	return {
		jobRetentionMs: parsed.data.JOB_RETENTION_MS,
		webhookMaxAttempts: parsed.data.WEBHOOK_MAX_ATTEMPTS,
		webhookAllowLoopbackHttp: parsed.data.WEBHOOK_ALLOW_LOOPBACK_HTTP === "true",
	};
}
