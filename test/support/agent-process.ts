/**
 * Real `node-agent` processes, run from the bundle (node-agent/dist/arcnet-agent.mjs)
 * exactly as an operator would: `enroll` once with a token, then `run`. Used by
 * the end-to-end tests, the benchmark and the simulated fleet of `npm run dev`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { createEnrollmentToken, type EdgeEndpoint } from "./edge-client.js";
import { REPO_ROOT } from "./local-edge.js";
import { type ManagedProcess, runToCompletion, spawnManaged } from "./managed-process.js";

/** The bundled agent; `npm run build:agent` writes it. */
export const AGENT_BUNDLE = join(REPO_ROOT, "node-agent", "dist", "arcnet-agent.mjs");

/** The inference backend an agent drives. */
export type AgentBackend =
	| { kind: "openai"; url: string }
	| { kind: "ollama"; url: string }
	| { kind: "simulated"; models: readonly string[]; tokensPerSecond?: number };

/** One agent: its name, zone, state directory and backend. */
export interface AgentSpec {
	name: string;
	zoneId: string;
	/** Holds identity.json; reused across runs. */
	stateDir: string;
	backend: AgentBackend;
	/** Jobs run at once; default: the agent's (4). */
	slots?: number;
	/** Telemetry (heartbeat) interval; default: the agent's (5,000 ms). */
	telemetryIntervalMs?: number;
	/** How polls and job events travel; default: the agent's (websocket). */
	edgeChannel?: "websocket" | "http";
	/** Receives each output line, e.g. to print it with a prefix. */
	onLine?: (line: string) => void;
	/** More `run` flags, e.g. `--power-source solar`. */
	extraArgs?: readonly string[];
}

const storedIdentitySchema = z.object({ nodeId: z.string(), zoneId: z.string(), edgeUrl: z.string() });
export type StoredIdentity = z.infer<typeof storedIdentitySchema>;

function assertBundle(): void {
	if (!existsSync(AGENT_BUNDLE)) throw new Error(`${AGENT_BUNDLE} is missing: run \`npm run build:agent\` first`);
}

/** The identity an earlier `enroll` left in `stateDir`, or undefined when there is none or it is unreadable. */
export function readStoredIdentity(stateDir: string): StoredIdentity | undefined {
	try {
		const parsed = storedIdentitySchema.safeParse(JSON.parse(readFileSync(join(stateDir, "identity.json"), "utf8")));
		return parsed.success ? parsed.data : undefined;
	} catch {
		return undefined;
	}
}

/** Mints a token for the spec's zone and runs `arcnet-agent enroll` (replacing any identity in stateDir). */
export async function enrollAgent(edge: EdgeEndpoint, spec: AgentSpec): Promise<StoredIdentity> {
	assertBundle();
	const { token } = await createEnrollmentToken(edge, spec.zoneId, { note: `harness: ${spec.name}` });
	const args = [AGENT_BUNDLE, "enroll", "--edge", edge.url, "--token", token, "--state-dir", spec.stateDir];
	await runToCompletion({
		name: `${spec.name} enroll`,
		command: process.execPath,
		args: [...args, "--name", spec.name, "--force", "--log-format", "json"],
		cwd: REPO_ROOT,
		onLine: spec.onLine,
		timeoutMs: 60_000,
	});
	const identity = readStoredIdentity(spec.stateDir);
	if (!identity)
		throw new Error(`${spec.name}: enroll exited 0 but left no readable identity.json in ${spec.stateDir}`);
	return identity;
}

/** Starts `arcnet-agent run` for an already enrolled spec. SIGTERM (stop()) drains it. */
export function runAgent(edge: EdgeEndpoint, spec: AgentSpec): ManagedProcess {
	assertBundle();
	const backendArgs =
		spec.backend.kind !== "simulated"
			? ["--backend", spec.backend.kind, "--backend-url", spec.backend.url]
			: [
					"--backend",
					"simulated",
					"--models",
					spec.backend.models.join(","),
					...(spec.backend.tokensPerSecond !== undefined
						? ["--sim-tokens-per-second", String(spec.backend.tokensPerSecond)]
						: []),
				];
	const args = [AGENT_BUNDLE, "run", "--edge", edge.url, "--state-dir", spec.stateDir, ...backendArgs];
	if (spec.slots !== undefined) args.push("--slots", String(spec.slots));
	if (spec.telemetryIntervalMs !== undefined) args.push("--telemetry-interval-ms", String(spec.telemetryIntervalMs));
	if (spec.edgeChannel !== undefined) args.push("--edge-channel", spec.edgeChannel);
	if (spec.extraArgs) args.push(...spec.extraArgs);
	return spawnManaged({
		name: spec.name,
		command: process.execPath,
		args: [
			// ARCNET_AGENT_PROF=DIR writes a V8 CPU profile of each agent run into DIR (docs/benchmarks.md).
			...(process.env.ARCNET_AGENT_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.ARCNET_AGENT_PROF] : []),
			...args,
			"--log-format",
			"json",
		],
		cwd: REPO_ROOT,
		onLine: spec.onLine,
	});
}

/** Enrolls the agent, then runs it. */
export async function spawnAgent(edge: EdgeEndpoint, spec: AgentSpec): Promise<ManagedProcess> {
	await enrollAgent(edge, spec);
	return runAgent(edge, spec);
}
