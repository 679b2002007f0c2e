/**
 * The table of agent options: flag, environment variable, config-file key,
 * meaning and default. One table drives config loading, `--help` and the
 * configuration table in docs/agent.md, so they cannot disagree.
 */
import type { AgentConfig } from "./config.js";

/** One option: its flag, env var, config-file key and documentation. */
export interface OptionSpec {
	key: keyof AgentConfig;
	flag: string;
	env: string;
	/** Flags that take no value (booleans). */
	boolean?: boolean;
	doc: string;
	defaultDoc: string;
}

/** Every option the agent understands; also drives `--help` and docs/agent.md. */
export const OPTIONS: OptionSpec[] = [
	{
		key: "edgeUrl",
		flag: "edge",
		env: "ARCNET_EDGE_URL",
		doc: "Edge base URL (http or https)",
		defaultDoc: "(required)",
	},
	{
		key: "stateDir",
		flag: "state-dir",
		env: "ARCNET_STATE_DIR",
		doc: "Directory holding identity.json",
		defaultDoc: "~/.arcnet-agent",
	},
	{
		key: "token",
		flag: "token",
		env: "ARCNET_ENROLL_TOKEN",
		doc: "One-time enrollment token (enroll)",
		defaultDoc: "(required for enroll)",
	},
	{
		key: "name",
		flag: "name",
		env: "ARCNET_NODE_NAME",
		doc: "Node name shown to operators (enroll)",
		defaultDoc: "host name",
	},
	{
		key: "gpuModel",
		flag: "gpu-model",
		env: "ARCNET_GPU_MODEL",
		doc: "GPU model reported at enrollment",
		defaultDoc: "(none)",
	},
	{
		key: "force",
		flag: "force",
		env: "ARCNET_FORCE",
		boolean: true,
		doc: "enroll: replace an existing identity",
		defaultDoc: "false",
	},
	{
		key: "backend",
		flag: "backend",
		env: "ARCNET_BACKEND",
		doc: "Backend kind: openai | ollama (native API) | simulated",
		defaultDoc: "openai",
	},
	{
		key: "backendUrl",
		flag: "backend-url",
		env: "ARCNET_BACKEND_URL",
		doc: "Inference server root (openai: /v1/... appended; ollama: /api/...)",
		defaultDoc: "http://127.0.0.1:8000",
	},
	{
		key: "backendApiKey",
		flag: "backend-api-key",
		env: "ARCNET_BACKEND_API_KEY",
		doc: "Bearer key for the backend",
		defaultDoc: "(none)",
	},
	{
		key: "models",
		flag: "models",
		env: "ARCNET_MODELS",
		doc: "Comma-separated models (simulated backend)",
		defaultDoc: "arcnet-sim-1",
	},
	{
		key: "embeddingModels",
		flag: "embedding-models",
		env: "ARCNET_EMBEDDING_MODELS",
		doc: "Comma-separated models served on /v1/embeddings only (openai and simulated backends)",
		defaultDoc: "(none)",
	},
	{ key: "slots", flag: "slots", env: "ARCNET_SLOTS", doc: "Jobs run at once (1-1024)", defaultDoc: "4" },
	{
		key: "simTokensPerSecond",
		flag: "sim-tokens-per-second",
		env: "ARCNET_SIM_TOKENS_PER_SECOND",
		doc: "Simulated output rate (0 = unthrottled)",
		defaultDoc: "50",
	},
	{
		key: "telemetryIntervalMs",
		flag: "telemetry-interval-ms",
		env: "ARCNET_TELEMETRY_INTERVAL_MS",
		doc: "Telemetry/heartbeat interval (1000-60000)",
		defaultDoc: "5000",
	},
	{
		key: "pollWaitMs",
		flag: "poll-wait-ms",
		env: "ARCNET_POLL_WAIT_MS",
		doc: "Long-poll wait (0-30000)",
		defaultDoc: "25000",
	},
	{
		key: "edgeChannel",
		flag: "edge-channel",
		env: "ARCNET_EDGE_CHANNEL",
		doc: "How polls and job events reach the zone: websocket (one persistent channel; HTTP while it is down) | http",
		defaultDoc: "websocket",
	},

	{
		key: "drainGraceMs",
		flag: "drain-grace-ms",
		env: "ARCNET_DRAIN_GRACE_MS",
		doc: "Shutdown grace for running jobs (0-600000)",
		defaultDoc: "30000",
	},
	{
		key: "gpu",
		flag: "gpu",
		env: "ARCNET_GPU",
		doc: "GPU telemetry: auto (nvidia-smi if it answers) | nvidia-smi | simulated",
		defaultDoc: "auto",
	},
	{
		key: "nvidiaSmi",
		flag: "nvidia-smi",
		env: "ARCNET_NVIDIA_SMI",
		doc: "nvidia-smi executable (name on PATH or full path)",
		defaultDoc: "nvidia-smi",
	},
	{
		key: "metricsListen",
		flag: "metrics-listen",
		env: "ARCNET_METRICS_LISTEN",
		doc: "Serve the agent's Prometheus /metrics at host:port (a bare port listens on 127.0.0.1)",
		defaultDoc: "(off)",
	},
	{
		key: "otlpEndpoint",
		flag: "otlp-endpoint",
		env: "ARCNET_OTLP_ENDPOINT",
		doc: "Export each job's spans to this OpenTelemetry collector as OTLP/HTTP JSON (POST {url}/v1/traces)",
		defaultDoc: "(off)",
	},
	{
		key: "powerSource",
		flag: "power-source",
		env: "ARCNET_POWER_SOURCE",
		doc: "What powers the node: grid | solar | wind | hydro | nuclear | cogen | battery | mixed",
		defaultDoc: "(none: the zone's grid)",
	},
	{
		key: "powerGco2PerKwh",
		flag: "power-gco2-per-kwh",
		env: "ARCNET_POWER_GCO2_PER_KWH",
		doc: "The supply's own intensity, gCO2eq/kWh (0-2000); without it solar, wind, hydro and nuclear use lifecycle medians",
		defaultDoc: "(none)",
	},
	{
		key: "powerNote",
		flag: "power-note",
		env: "ARCNET_POWER_NOTE",
		doc: "Where the declared intensity comes from (up to 200 characters)",
		defaultDoc: "(none)",
	},
	{
		key: "powerStateCommand",
		flag: "power-state-command",
		env: "ARCNET_POWER_STATE_COMMAND",
		doc: 'Shell command printing {"stateOfChargePct":..,"availableW":..} (battery/solar sites); 2 s timeout',
		defaultDoc: "(none)",
	},
	{
		key: "powerStateFile",
		flag: "power-state-file",
		env: "ARCNET_POWER_STATE_FILE",
		doc: "File holding that same JSON, rewritten by the site's own controller",
		defaultDoc: "(none)",
	},
	{
		key: "logFormat",
		flag: "log-format",
		env: "ARCNET_LOG_FORMAT",
		doc: "Log format: text | json",
		defaultDoc: "text",
	},
	{
		key: "logLevel",
		flag: "log-level",
		env: "ARCNET_LOG_LEVEL",
		doc: "Log level: debug | info | warn | error",
		defaultDoc: "info",
	},
];
