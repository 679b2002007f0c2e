/**
 * The chaos test's GPU fleet: real agent processes from the bundle, each with
 * its own deterministic fake backend, in two zones. One agent talks to the
 * edge through a TCP proxy so that its link can be cut. An agent is killed
 * with SIGKILL (no drain, no release: its leases must lapse) and restarted
 * with the same state directory, so it re-joins as the same node.
 */
import { join } from "node:path";
import { type AgentSpec, enrollAgent, runAgent } from "../../support/agent-process.js";
import type { EdgeEndpoint } from "../../support/edge-client.js";
import { type FakeOpenAIServer, startFakeOpenAI } from "../../support/fake-openai-server.js";
import type { ManagedProcess } from "../../support/managed-process.js";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy.js";

/** One agent of the fleet and what belongs to it. */
export interface FleetAgent {
	spec: AgentSpec;
	backend: FakeOpenAIServer;
	/** The edge as this agent sees it (the proxy's URL for the proxied agent). */
	endpoint: EdgeEndpoint;
	proxy?: TcpProxy;
	process?: ManagedProcess;
	kills: number;
	restarts: number;
}

/** Fleet options. */
export interface FleetOptions {
	/** Agents per zone, by zone id. */
	zones: Readonly<Record<string, number>>;
	model: string;
	workDir: string;
	/** Concurrent jobs per agent. */
	slots: number;
	/** Heartbeat (lease renewal) interval; must be well under LEASE_MS. */
	telemetryIntervalMs: number;
	/** Delay per output token at the fake backends, so jobs are in flight when chaos strikes. */
	tokenDelayMs: number;
	/** Name of the agent that goes through a TCP proxy. */
	proxiedAgent: string;
}

/** The running fleet. */
export interface Fleet {
	agents: FleetAgent[];
	byName(name: string): FleetAgent;
	/** SIGKILLs the agent's process group and waits until it is gone. */
	kill(name: string): Promise<void>;
	/** Starts the agent again from its state directory (no new enrollment). */
	restart(name: string): Promise<void>;
	/** Backend requests received by all fake servers. */
	backendRequests(): number;
	/** Stops every agent (SIGTERM, drain), every proxy and every backend. */
	stop(): Promise<void>;
}

/** Enrolls and starts every agent of `options.zones` against `edge`. */
export async function startFleet(
	edge: EdgeEndpoint,
	options: FleetOptions,
	onLine?: (name: string, line: string) => void,
): Promise<Fleet> {
	const agents: FleetAgent[] = [];
	const fleet: Fleet = {
		agents,
		byName(name) {
			const agent = agents.find((a) => a.spec.name === name);
			if (!agent)
				throw new Error(
					`agent: no agent named ${JSON.stringify(name)}; have ${agents.map((a) => a.spec.name).join(", ")}`,
				);
			return agent;
		},
		async kill(name) {
			const agent = fleet.byName(name);
			if (!agent.process) return;
			await agent.process.kill();
			agent.kills++;
		},
		async restart(name) {
			const agent = fleet.byName(name);
			if (agent.process?.isRunning()) throw new Error(`restart: agent ${name} is still running`);
			agent.process = runAgent(agent.endpoint, agent.spec);
			agent.restarts++;
		},
		backendRequests: () => agents.reduce((n, a) => n + a.backend.requestCount, 0),
		async stop() {
			await Promise.all(agents.map((a) => a.process?.stop(10_000)));
			await Promise.all(agents.map((a) => Promise.all([a.proxy?.close(), a.backend.close()])));
		},
	};
	try {
		for (const [zoneId, count] of Object.entries(options.zones)) {
			for (let i = 1; i <= count; i++) {
				const name = `chaos-${zoneId}-${i}`;
				const backend = await startFakeOpenAI({ models: [options.model], tokenDelayMs: options.tokenDelayMs });
				const proxy =
					name === options.proxiedAgent
						? await startTcpProxy({ upstreamPort: new URL(edge.url).port === "" ? 80 : Number(new URL(edge.url).port) })
						: undefined;
				const endpoint = proxy ? { ...edge, url: proxy.url } : edge;
				const spec: AgentSpec = {
					name,
					zoneId,
					stateDir: join(options.workDir, "agents", name),
					backend: { kind: "openai", url: backend.url },
					slots: options.slots,
					telemetryIntervalMs: options.telemetryIntervalMs,
					...(onLine ? { onLine: (line: string) => onLine(name, line) } : {}),
				};
				agents.push({ spec, backend, endpoint, ...(proxy ? { proxy } : {}), kills: 0, restarts: 0 });
			}
		}
		if (!agents.some((a) => a.proxy))
			throw new Error(`proxiedAgent: no agent is named ${JSON.stringify(options.proxiedAgent)}`);
		// Enrollment is sequential: each one is a short wrangler-free HTTP exchange plus a node start.
		for (const agent of agents) {
			await enrollAgent(agent.endpoint, agent.spec);
			agent.process = runAgent(agent.endpoint, agent.spec);
		}
	} catch (err) {
		await fleet.stop();
		throw err;
	}
	return fleet;
}
