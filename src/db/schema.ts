/**
 * The D1 schema: the system of record that operators query with
 * `wrangler d1 execute`. drizzle-kit generates migrations/ from this module;
 * wrangler and the tests apply those same files.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** The geozone catalogue, seeded from catalogue/zones.csv. */
export const geozones = sqliteTable("geozones", {
	id: text("id").primaryKey(),
	name: text("name").notNull(),
	/** Electricity Maps zone code of the grid the zone draws from, e.g. `US-NW-BPAT`. */
	gridZone: text("grid_zone").notNull(),
	lat: real("lat").notNull(),
	lon: real("lon").notNull(),
	/** JSON array of region tags for data residency, e.g. `["us","na"]`. */
	regions: text("regions").notNull(),
	/** Durable Object locationHint used when the zone's object is first created. */
	locationHint: text("location_hint").notNull(),
	continent: text("continent").notNull(),
	/** Yearly average gCO2eq/kWh: the fallback carbon signal. */
	defaultGco2PerKwh: real("default_gco2_per_kwh").notNull(),
	source: text("source").notNull(),
	enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
});

/** Tenants own API keys and jobs. */
export const tenants = sqliteTable("tenants", {
	id: text("id").primaryKey(),
	name: text("name").notNull(),
	createdAt: integer("created_at").notNull(),
	/** The routing policy used when a request names none: latency, carbon, balanced (default) or weights JSON. */
	defaultPolicy: text("default_policy"),
	/** Limits for every key of the tenant that sets none of its own; null means the deployment default. */
	rateLimitPerMinute: integer("rate_limit_per_minute"),
	maxConcurrent: integer("max_concurrent"),
	dailyTokenQuota: integer("daily_token_quota"),
	/** A disabled tenant's keys are refused (epoch ms; null while enabled). */
	disabledAt: integer("disabled_at"),
});

/**
 * Client API keys. A key is shown once at creation; only its SHA-256 is kept,
 * with a short public prefix to find the row and to name the key in logs.
 */
export const apiKeys = sqliteTable(
	"api_keys",
	{
		id: text("id").primaryKey(),
		tenantId: text("tenant_id")
			.notNull()
			.references(() => tenants.id),
		/** The key's public prefix, e.g. `ak_3f9a1c2e7b`, unique: the lookup column. */
		prefix: text("prefix").notNull().unique(),
		/** Hex SHA-256 of the whole key. Never returned by any endpoint. */
		keyHash: text("key_hash").notNull(),
		name: text("name").notNull(),
		/** JSON array of scopes: inference, jobs, admin. */
		scopes: text("scopes").notNull(),
		/** JSON array of the models the key may use; null means any. */
		allowedModels: text("allowed_models"),
		/** JSON array of region tags the key's jobs may run in; null means any. */
		allowedRegions: text("allowed_regions"),
		/** Per-key limits; null inherits the tenant's, then the deployment default. */
		rateLimitPerMinute: integer("rate_limit_per_minute"),
		maxConcurrent: integer("max_concurrent"),
		dailyTokenQuota: integer("daily_token_quota"),
		createdAt: integer("created_at").notNull(),
		expiresAt: integer("expires_at"),
		revokedAt: integer("revoked_at"),
		lastUsedAt: integer("last_used_at"),
	},
	(t) => [index("api_keys_tenant_idx").on(t.tenantId)],
);

/**
 * Asynchronous jobs (POST /v1/jobs): which zone holds each one, and the
 * Idempotency-Key it was submitted with. The job itself, its state and its
 * result live in that zone's GeozoneDO until the retention time passes.
 */
export const asyncJobs = sqliteTable(
	"async_jobs",
	{
		id: text("id").primaryKey(),
		tenantId: text("tenant_id").notNull(),
		/** The zone whose GeozoneDO holds the job; null until a zone accepted it. */
		zoneId: text("zone_id"),
		model: text("model").notNull(),
		/** The client's Idempotency-Key header, unique per tenant; null when not sent. */
		idempotencyKey: text("idempotency_key"),
		/** Hex SHA-256 of the canonical request body: a reused key with another body is refused. */
		requestHash: text("request_hash").notNull(),
		createdAt: integer("created_at").notNull(),
		/** When the job and its result are forgotten (epoch ms). */
		expiresAt: integer("expires_at").notNull(),
	},
	(t) => [
		uniqueIndex("async_jobs_idempotency_idx").on(t.tenantId, t.idempotencyKey),
		index("async_jobs_expires_idx").on(t.expiresAt),
	],
);

/** Enrolled GPU nodes and the Ed25519 public key each one signs with. */
export const nodes = sqliteTable(
	"nodes",
	{
		id: text("id").primaryKey(),
		zoneId: text("zone_id")
			.notNull()
			.references(() => geozones.id),
		name: text("name").notNull(),
		/** JSON of the node's public JWK (OKP / Ed25519). */
		publicKeyJwk: text("public_key_jwk").notNull(),
		status: text("status", { enum: ["active", "revoked"] })
			.notNull()
			.default("active"),
		agentVersion: text("agent_version").notNull(),
		gpuModel: text("gpu_model"),
		enrolledAt: integer("enrolled_at").notNull(),
		keyRotatedAt: integer("key_rotated_at"),
		revokedAt: integer("revoked_at"),
	},
	(t) => [index("nodes_zone_idx").on(t.zoneId)],
);

/** One-time enrollment tokens. Only the SHA-256 of a token is stored. */
export const enrollmentTokens = sqliteTable("enrollment_tokens", {
	id: text("id").primaryKey(),
	tokenHash: text("token_hash").notNull().unique(),
	zoneId: text("zone_id")
		.notNull()
		.references(() => geozones.id),
	createdAt: integer("created_at").notNull(),
	expiresAt: integer("expires_at").notNull(),
	usedAt: integer("used_at"),
	nodeId: text("node_id"),
	note: text("note"),
});

/** Live state of each zone, written by its GeozoneDO; routers read it (cached). */
export const zoneStatus = sqliteTable("zone_status", {
	zoneId: text("zone_id").primaryKey(),
	liveNodes: integer("live_nodes").notNull(),
	/** JSON array of the models live nodes serve. */
	models: text("models").notNull(),
	/** JSON object, model to what live nodes serve of it (src/protocol/model-serving.ts); null before the zone first wrote it. */
	modelDetails: text("model_details"),
	slots: integer("slots").notNull(),
	freeSlots: integer("free_slots").notNull(),
	queueDepth: integer("queue_depth").notNull(),
	updatedAt: integer("updated_at").notNull(),
	/** Total GPU power capacity of live nodes (W): power limits, draw where a GPU reports none. */
	powerW: real("power_w").notNull().default(0),
	/** Power capacity of live nodes with their own declared supply (W). */
	ownPowerW: real("own_power_w").notNull().default(0),
	/** Sum over those nodes of power x own intensity (W x gCO2eq/kWh); see docs/carbon-and-latency.md. */
	ownPowerGco2W: real("own_power_gco2_w").notNull().default(0),
	/** Moving averages the zone keeps: queue wait and time to first token (ms). */
	queueWaitMs: real("queue_wait_ms").notNull().default(0),
	ttftMs: real("ttft_ms").notNull().default(0),
});

/** The latest carbon signal of each zone, refreshed by the cron trigger; the last good value survives provider failures. */
export const carbonSignals = sqliteTable("carbon_signals", {
	zoneId: text("zone_id").primaryKey(),
	gridZone: text("grid_zone").notNull(),
	gco2PerKwh: real("gco2_per_kwh").notNull(),
	/** electricitymaps | watttime | uk-carbon-intensity | carbon-aware-sdk | static */
	source: text("source").notNull(),
	/** When the provider says the value holds (epoch ms). */
	observedAt: integer("observed_at").notNull(),
	/** When we fetched it (epoch ms). */
	fetchedAt: integer("fetched_at").notNull(),
	lastError: text("last_error"),
	lastErrorAt: integer("last_error_at"),
});

/** The history of every job, written off the hot path once the job is finished. */
export const jobs = sqliteTable(
	"jobs",
	{
		id: text("id").primaryKey(),
		tenantId: text("tenant_id").notNull(),
		model: text("model").notNull(),
		zoneId: text("zone_id").notNull(),
		nodeId: text("node_id"),
		status: text("status", {
			enum: ["queued", "leased", "running", "succeeded", "failed", "cancelled", "expired"],
		}).notNull(),
		stream: integer("stream", { mode: "boolean" }).notNull(),
		/** Epoch ms timings: received by the Worker, leased to a node, first token, finished. */
		receivedAt: integer("received_at").notNull(),
		leasedAt: integer("leased_at"),
		firstTokenAt: integer("first_token_at"),
		finishedAt: integer("finished_at"),
		attempts: integer("attempts").notNull().default(0),
		promptTokens: integer("prompt_tokens"),
		completionTokens: integer("completion_tokens"),
		finishReason: text("finish_reason"),
		errorCode: text("error_code"),
		errorMessage: text("error_message"),
		/** Routing policy applied: latency, carbon, balanced or weights. */
		policy: text("policy"),
		/** Estimated client round trip to the chosen zone (ms), as the router saw it. */
		estLatencyMs: real("est_latency_ms"),
		/** Carbon intensity of the chosen zone when routed (gCO2eq/kWh). */
		zoneGco2PerKwh: real("zone_gco2_per_kwh"),
		/** The nearest eligible zone and its intensity: the baseline for "carbon avoided". */
		nearestZoneId: text("nearest_zone_id"),
		nearestGco2PerKwh: real("nearest_gco2_per_kwh"),
		/** GPU energy of the job (joules): measured on the node, or tokens x J/token of its GPU class (energy_source). */
		estEnergyJ: real("est_energy_j"),
		/** Estimated emissions (gCO2eq) = energy x zone intensity. An estimate. */
		estGco2: real("est_gco2"),
		/** `measured` (the node's nvidia-smi readings) or `estimated` (tokens x J/token); null without an energy figure. */
		energySource: text("energy_source", { enum: ["measured", "estimated"] }),
		/** JSON of the routing decision: candidates, scores, chosen zone. */
		routing: text("routing").notNull().default(sql`'{}'`),
		/** The API key the job was submitted with (api_keys.id); null for the dev key. */
		apiKeyId: text("api_key_id"),
		/** sync (chat completion, JSON or SSE) or async (POST /v1/jobs). */
		kind: text("kind", { enum: ["sync", "async"] })
			.notNull()
			.default("sync"),
		/** The W3C trace id (32 hex) the job ran under: the client's traceparent's, or one the edge started. */
		traceId: text("trace_id"),
	},
	(t) => [
		index("jobs_trace_idx").on(t.traceId),
		index("jobs_zone_received_idx").on(t.zoneId, t.receivedAt),
		index("jobs_tenant_received_idx").on(t.tenantId, t.receivedAt),
		index("jobs_node_idx").on(t.nodeId),
		// "Has a node ever served this model?" (404 model_not_found vs 503) is one index probe.
		index("jobs_model_idx").on(t.model),
	],
);

/**
 * The operations console's event log: nodes joining and leaving, leases
 * expiring, jobs failing over, carbon signals going stale, keys refused.
 * Written off the hot path (waitUntil or the zone's alarm); read newest first.
 */
export const events = sqliteTable(
	"events",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		/** Epoch ms. */
		at: integer("at").notNull(),
		/** node_joined | node_left | node_revoked | lease_expired | job_failover | carbon_stale | key_refused | zone_enabled | zone_disabled */
		kind: text("kind").notNull(),
		zoneId: text("zone_id"),
		nodeId: text("node_id"),
		jobId: text("job_id"),
		/** One line for the operator; never a key or a prompt. */
		message: text("message").notNull(),
	},
	(t) => [index("events_at_idx").on(t.at)],
);

/**
 * Per-node telemetry rolled up per UTC minute: each GeozoneDO sums its nodes'
 * telemetry in its own SQLite and writes the closed minutes here from its alarm,
 * one batch per zone per minute (durable-objects/geozone/history/). Pruned by
 * the cron after HISTORY_TELEMETRY_RETENTION_DAYS.
 */
export const nodeTelemetryMinutes = sqliteTable(
	"node_telemetry_minutes",
	{
		nodeId: text("node_id").notNull(),
		/** Start of the UTC minute (epoch ms). */
		minute: integer("minute").notNull(),
		zoneId: text("zone_id").notNull(),
		/** Telemetry messages the minute holds. */
		samples: integer("samples").notNull(),
		/** GPUs in the node's last message of the minute. */
		gpus: integer("gpus").notNull(),
		/** Mean GPU utilisation of the node (%): per message the mean over its GPUs; avg and max over the minute. */
		utilPctAvg: real("util_pct_avg"),
		utilPctMax: real("util_pct_max"),
		/** VRAM in use, summed over the node's GPUs (MiB), and their total. */
		vramUsedMibAvg: real("vram_used_mib_avg"),
		vramUsedMibMax: real("vram_used_mib_max"),
		vramTotalMib: real("vram_total_mib"),
		/** The hottest GPU of the node (°C). */
		tempCAvg: real("temp_c_avg"),
		tempCMax: real("temp_c_max"),
		/** GPU power draw summed over the node's GPUs (W), and their summed power limit. */
		powerWAvg: real("power_w_avg"),
		powerWMax: real("power_w_max"),
		powerLimitW: real("power_limit_w"),
		/** Output tokens per second the agent reported. */
		tokensPerSecondAvg: real("tokens_per_second_avg").notNull(),
		tokensPerSecondMax: real("tokens_per_second_max").notNull(),
		/** Jobs the node was running, and jobs waiting on it before the backend. */
		runningJobsAvg: real("running_jobs_avg").notNull(),
		runningJobsMax: integer("running_jobs_max").notNull(),
		queueDepthMax: integer("queue_depth_max").notNull(),
		cpuPctAvg: real("cpu_pct_avg").notNull(),
	},
	(t) => [
		primaryKey({ columns: [t.nodeId, t.minute] }),
		index("node_telemetry_minutes_zone_idx").on(t.zoneId, t.minute),
		index("node_telemetry_minutes_minute_idx").on(t.minute),
	],
);

/**
 * Every carbon signal of each zone as the cron fetched it (carbon_signals holds
 * only the latest): a row per new reading, and per change to a catalogue
 * default. Pruned by the cron after HISTORY_CARBON_RETENTION_DAYS.
 */
export const carbonSignalHistory = sqliteTable(
	"carbon_signal_history",
	{
		zoneId: text("zone_id").notNull(),
		/** When the cron fetched it (epoch ms): from then on routing reads it. */
		fetchedAt: integer("fetched_at").notNull(),
		gridZone: text("grid_zone").notNull(),
		gco2PerKwh: real("gco2_per_kwh").notNull(),
		/** electricitymaps | watttime | uk-carbon-intensity | carbon-aware-sdk | static */
		source: text("source").notNull(),
		/** When the provider says the value holds (epoch ms). */
		validAt: integer("valid_at").notNull(),
	},
	(t) => [primaryKey({ columns: [t.zoneId, t.fetchedAt] }), index("carbon_signal_history_fetched_idx").on(t.fetchedAt)],
);
