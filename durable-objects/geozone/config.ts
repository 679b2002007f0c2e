/**
 * The GeozoneDO's tunables, parsed once from the Worker's string vars. A bad
 * value stops the object at start-up with a message naming the var, rather
 * than leasing jobs with a NaN expiry.
 */
import * as z from "zod";
import { JOB_TIMEOUT_MAX_SPEC } from "../../src/protocol/job-timeout-max.js";

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
	JOB_TIMEOUT_MAX_MS: { key: "maxTimeoutMs", ...JOB_TIMEOUT_MAX_SPEC },
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

export { type AsyncJobConfig, type AsyncJobVarName, parseAsyncJobConfig } from "../../src/protocol/async-job-config.js";
