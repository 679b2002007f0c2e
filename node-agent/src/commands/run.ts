/**
 * `arcnet-agent run`: load the identity (never re-enroll: a node's identity is
 * an operator decision), build the backend, telemetry sources and edge client,
 * and hand them to the work loop with signal handling wired in. Telemetry
 * ticks also refresh `<stateDir>/status.json` for `status` (status-file.ts says when).
 */
import { createBackend } from "../backends/index.js";
import { createModelDescriber } from "../backends/model-details.js";
import type { AgentConfig } from "../config.js";
import { EdgeChannel } from "../edge-channel.js";
import { EdgeClient } from "../edge-client.js";
import { loadIdentity } from "../identity.js";
import { createTokenSource } from "../jwt.js";
import type { Logger } from "../logger.js";
import { AgentMetrics } from "../metrics/agent-metrics.js";
import { type MetricsServer, startMetricsServer } from "../metrics/metrics-server.js";
import { installSignalHandlers } from "../signals.js";
import { createStatusWriter, STATUS_REWRITE_MS } from "../status-file.js";
import { EnergyMeter } from "../telemetry/energy-meter.js";
import { selectGpuSource } from "../telemetry/gpu-select.js";
import { createHostSampler } from "../telemetry/host.js";
import { createNvidiaSmiPowerReader } from "../telemetry/nvidia-smi-power.js";
import { createPowerReport } from "../telemetry/power-report.js";
import { OtlpExporter } from "../tracing/otlp-exporter.js";
import { AGENT_VERSION } from "../version.js";
import { type LoopStatus, WorkLoop } from "../work-loop.js";

/** Runs the agent until shutdown; resolves with the process exit code. */
export async function runCommand(config: AgentConfig, logger: Logger): Promise<number> {
	const identity = loadIdentity(config.stateDir);
	const edgeUrl = config.edgeUrl ?? identity.edgeUrl;
	const tokens = createTokenSource(identity);
	const nodeLogger = logger.child({ nodeId: identity.nodeId });
	let edge: EdgeClient | undefined;
	const metrics = config.metricsListen ? new AgentMetrics() : undefined;
	const channel =
		config.edgeChannel === "websocket"
			? new EdgeChannel({
					edgeUrl,
					tokens,
					logger: nodeLogger,
					// A job leased to a poll abandoned on shutdown goes back now, not when its lease lapses.
					onAbandonedJobs: (leases) => {
						nodeLogger.info("handing back jobs leased to an abandoned poll", { jobs: leases.length });
						edge?.release({ leases }).catch((err: unknown) => {
							nodeLogger.warn("could not hand back jobs; their leases will lapse", {
								error: err instanceof Error ? err.message : String(err),
							});
						});
					},
					...(metrics ? { onOpen: () => metrics.channelOpened(), onClose: () => metrics.channelClosed() } : {}),
				})
			: undefined;
	edge = new EdgeClient({ edgeUrl, tokens, ...(channel ? { channel } : {}) });
	const backend = createBackend(config);
	const exporter = config.otlpEndpoint
		? new OtlpExporter({
				endpoint: config.otlpEndpoint,
				logger: nodeLogger,
				resource: {
					"service.name": "arcnet-agent",
					"service.version": AGENT_VERSION,
					"arcnet.node.id": identity.nodeId,
					"arcnet.zone.id": identity.zoneId,
				},
				scope: { name: "arcnet-agent", version: AGENT_VERSION },
			})
		: undefined;
	if (metrics && exporter) metrics.spanCounts(() => exporter.counts);
	const gpu = await selectGpuSource(config.gpu, { command: config.nvidiaSmi });
	if (gpu.reason) logger.info("GPU telemetry is simulated", { gpu: config.gpu, reason: gpu.reason });
	const statusWriter = createStatusWriter(config.stateDir);
	const writeStatus = (s: LoopStatus) =>
		statusWriter({
			version: 1,
			pid: process.pid,
			nodeId: identity.nodeId,
			zoneId: identity.zoneId,
			edgeUrl,
			updatedAt: Date.now(),
			telemetryIntervalMs: config.telemetryIntervalMs,
			rewriteEveryMs: STATUS_REWRITE_MS,
			connection: s.connection,
			transport: s.transport,
			draining: s.draining,
			backend: backend.kind,
			models: s.telemetry.models,
			hardware: s.telemetry.hardware,
			// With --gpu auto, why the probe at start chose simulated readings.
			gpuProblem: s.gpuProblem ?? gpu.reason ?? null,
			gpus: s.telemetry.gpus,
			host: s.telemetry.host,
			slots: s.telemetry.slots,
			running: s.running.map((r) => ({
				jobId: r.job.jobId,
				attempt: r.job.attempt,
				model: r.job.model,
				startedAt: r.startedAt,
				queued: r.queued,
			})),
			tokensPerSecond: s.telemetry.tokensPerSecond,
			queueDepth: s.telemetry.queueDepth,
			...(s.telemetry.power ? { power: s.telemetry.power } : {}),
		});
	const loop = new WorkLoop({
		edge,
		backend,
		logger: logger.child({ nodeId: identity.nodeId }),
		gpu: gpu.source,
		// Only real GPUs are metered: a simulated node's jobs keep the edge's estimate.
		...(gpu.source.hardware === "nvidia-smi"
			? { meter: new EnergyMeter({ read: createNvidiaSmiPowerReader({ command: config.nvidiaSmi }) }) }
			: {}),
		power: createPowerReport(config, (problem) =>
			logger.warn("cannot read the site's power state; telemetry goes on without it", { problem }),
		),
		host: createHostSampler(),
		slots: config.slots,
		pollWaitMs: config.pollWaitMs,
		telemetryIntervalMs: config.telemetryIntervalMs,
		drainGraceMs: config.drainGraceMs,
		...(exporter
			? { tracing: { exporter, zoneId: identity.zoneId, nodeId: identity.nodeId, backend: backend.kind } }
			: {}),
		describeModels: createModelDescriber(config),
		onStatus: (s) => {
			writeStatus(s);
			metrics?.status(s);
		},
		...(metrics ? { onJobEnded: (o) => metrics.jobEnded(o), onTokens: (n) => metrics.tokens(n) } : {}),
	});
	// Bound before anything else starts: an address in use stops `run` here, with the error.
	const metricsServer: MetricsServer | undefined =
		metrics && config.metricsListen ? await startMetricsServer(metrics, config.metricsListen) : undefined;
	if (metricsServer) {
		const { host, port } = metricsServer.address;
		logger.info("serving metrics", { url: `http://${host}:${port}/metrics` });
	}
	const uninstall = installSignalHandlers({
		onShutdown: (signal) => {
			logger.info("signal received; draining (send it again to exit at once)", { signal });
			loop.shutdown();
		},
		onForce: (signal) => {
			logger.warn("second signal; exiting now", { signal });
			process.exit(signal === "SIGINT" ? 130 : 143);
		},
	});
	logger.info("agent starting", {
		nodeId: identity.nodeId,
		zoneId: identity.zoneId,
		edge: edgeUrl,
		backend: backend.kind,
		gpu: gpu.source.hardware,
		slots: config.slots,
		edgeChannel: config.edgeChannel,
		otlp: config.otlpEndpoint ?? "off",
	});
	channel?.start();
	try {
		return await loop.run();
	} finally {
		await channel?.stop();
		await metricsServer?.close();
		await exporter?.close();
		uninstall();
	}
}
