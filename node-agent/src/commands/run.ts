/**
 * `arcnet-agent run`: load the identity (never re-enroll: a node's identity is
 * an operator decision), build the backend, telemetry sources and edge client,
 * and hand them to the work loop with signal handling wired in.
 */
import { createBackend } from "../backends/index.js";
import type { AgentConfig } from "../config.js";
import { EdgeClient } from "../edge-client.js";
import { loadIdentity } from "../identity.js";
import { createTokenSource } from "../jwt.js";
import type { Logger } from "../logger.js";
import { installSignalHandlers } from "../signals.js";
import { createSimulatedGpu } from "../telemetry/gpu-simulated.js";
import { createHostSampler } from "../telemetry/host.js";
import { WorkLoop } from "../work-loop.js";

/** Runs the agent until shutdown; resolves with the process exit code. */
export async function runCommand(config: AgentConfig, logger: Logger): Promise<number> {
	const identity = loadIdentity(config.stateDir);
	const edgeUrl = config.edgeUrl ?? identity.edgeUrl;
	const edge = new EdgeClient({ edgeUrl, tokens: createTokenSource(identity) });
	const loop = new WorkLoop({
		edge,
		backend: createBackend(config),
		logger: logger.child({ nodeId: identity.nodeId }),
		gpu: createSimulatedGpu(),
		host: createHostSampler(),
		slots: config.slots,
		pollWaitMs: config.pollWaitMs,
		telemetryIntervalMs: config.telemetryIntervalMs,
		drainGraceMs: config.drainGraceMs,
	});
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
		slots: config.slots,
	});
	try {
		return await loop.run();
	} finally {
		uninstall();
	}
}
