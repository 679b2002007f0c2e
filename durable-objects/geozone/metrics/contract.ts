/**
 * What GeozoneDO's `metrics` RPC answers: the zone's gauges now, its live
 * nodes' last GPU readings, and the counters and histograms it keeps in
 * SQLite (monotonic across restarts and evictions). The Worker renders it
 * for GET /metrics (docs/operations.md lists every series).
 */
import type { GpuReading } from "../../../src/protocol/agent-wire.js";

/** The counter series a zone keeps; the Worker adds the `zone` label. */
export const ZONE_COUNTERS = {
	/** Jobs that ended, labels `outcome` (succeeded|failed|cancelled|expired) and `code` (the error code, "" on success). */
	jobs: "arcnet_zone_jobs_total",
	/** Submissions the zone answered, label `result` (accepted|no_live_node|queue_full). */
	submissions: "arcnet_zone_submissions_total",
	/** Tokens of ended jobs, label `direction` (in|out). */
	tokens: "arcnet_zone_tokens_total",
	/** Estimated GPU energy of succeeded jobs (J). */
	energy: "arcnet_zone_energy_joules_total",
	/** Estimated emissions of succeeded jobs (gCO2eq). */
	gco2: "arcnet_zone_gco2_grams_total",
	/** gCO2eq saved against the nearest zone (positive part of the difference). */
	carbonAvoided: "arcnet_carbon_avoided_grams_total",
	/** gCO2eq added against the nearest zone (a latency choice of a dirtier zone). */
	carbonAdded: "arcnet_carbon_added_grams_total",
	/** Jobs accepted per tenant, label `tenant`. */
	tenantJobs: "arcnet_tenant_jobs_total",
	/** Tokens per tenant, labels `tenant` and `direction`. */
	tenantTokens: "arcnet_tenant_tokens_total",
} as const;

/** The histograms a zone keeps (seconds), each with the buckets of HISTOGRAM_BUCKETS_S. */
export const ZONE_HISTOGRAMS = {
	/** Receipt to first lease. */
	queueWait: "arcnet_zone_queue_wait_seconds",
	/** Receipt to first output token. */
	ttft: "arcnet_zone_ttft_seconds",
	/** Receipt to the job's end. */
	duration: "arcnet_zone_job_duration_seconds",
} as const;

/** Upper bounds (s) of the histogram buckets; +Inf is implied. */
export const HISTOGRAM_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

/** One stored series: its name, its labels (without `zone`) and its value. */
export interface CounterSample {
	name: string;
	labels: Record<string, string>;
	value: number;
}

/** One histogram series: cumulative bucket counts in HISTOGRAM_BUCKETS_S order, sum and count. */
export interface HistogramSample {
	name: string;
	labels: Record<string, string>;
	buckets: number[];
	sum: number;
	count: number;
}

/** A live node's last readings. */
export interface NodeMetrics {
	nodeId: string;
	slots: number;
	/** Output tokens per second the node last reported. */
	tokensPerSecond: number;
	/** Seconds since the node's last telemetry. */
	telemetryAgeS: number;
	gpus: Pick<
		GpuReading,
		"index" | "utilizationPct" | "memoryUsedMiB" | "memoryTotalMiB" | "temperatureC" | "powerDrawW" | "powerLimitW"
	>[];
}

/** What `metrics(zoneId)` answers. */
export interface ZoneMetrics {
	zoneId: string;
	liveNodes: number;
	slots: number;
	freeSlots: number;
	queueDepth: number;
	nodes: NodeMetrics[];
	counters: CounterSample[];
	histograms: HistogramSample[];
}
