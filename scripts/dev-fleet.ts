/**
 * The simulated fleet of `npm run dev`: six agents in six zones on three
 * continents, all on the simulated backend, so routing has real choices to
 * make on a laptop without a GPU. Each agent enrolls once; its identity under
 * .arcnet-dev/agents/<name>/ is reused on the next start unless the local D1
 * no longer knows it (state was reset) or it was enrolled with another edge URL.
 */
import { join } from "node:path";
import { type AgentSpec, enrollAgent, readStoredIdentity, runAgent } from "../test/support/agent-process.js";
import type { EdgeEndpoint } from "../test/support/edge-client.js";
import { queryLocalD1 } from "../test/support/local-edge.js";
import type { ManagedProcess } from "../test/support/managed-process.js";

/** Models every simulated agent serves. */
export const DEV_MODELS = ["llama-3.1-8b-instruct", "qwen2.5-7b-instruct"] as const;

/** Zone of each dev agent, by name: 6 agents, 6 zones, 3 continents. */
const FLEET: readonly { name: string; zoneId: string }[] = [
	{ name: "sim-eu-stockholm", zoneId: "eu-stockholm" },
	{ name: "sim-eu-frankfurt", zoneId: "eu-frankfurt" },
	{ name: "sim-us-oregon", zoneId: "us-oregon" },
	{ name: "sim-us-virginia", zoneId: "us-virginia" },
	{ name: "sim-ap-singapore", zoneId: "ap-singapore" },
	{ name: "sim-ap-tokyo", zoneId: "ap-tokyo" },
];

/** The fleet's agent specs, with state under `<devDir>/agents/<name>`. */
export function devFleet(devDir: string, onLine: (name: string, line: string) => void): AgentSpec[] {
	return FLEET.map(({ name, zoneId }) => ({
		name,
		zoneId,
		stateDir: join(devDir, "agents", name),
		backend: { kind: "simulated", models: DEV_MODELS, tokensPerSecond: 40 },
		slots: 4,
		onLine: (line: string) => onLine(name, line),
	}));
}

/**
 * The specs whose stored identity is still valid: present, enrolled with
 * `edgeUrl`, in the right zone and an active node in the local D1. Run this
 * before wrangler dev starts, so the query does not compete with the Worker.
 */
export async function specsWithValidIdentity(
	persistDir: string,
	edgeUrl: string,
	specs: AgentSpec[],
): Promise<Set<string>> {
	const stored = new Map(specs.map((s) => [s.name, readStoredIdentity(s.stateDir)]));
	const ids = [...stored.values()].flatMap((i) => (i && /^node_[a-z0-9]+$/.test(i.nodeId) ? [i.nodeId] : []));
	if (ids.length === 0) return new Set();
	const rows = await queryLocalD1(
		persistDir,
		`SELECT id FROM nodes WHERE status = 'active' AND id IN (${ids.map((id) => `'${id}'`).join(",")})`,
	);
	const active = new Set(rows.map((r) => String(r.id)));
	const valid = new Set<string>();
	for (const spec of specs) {
		const identity = stored.get(spec.name);
		if (
			identity &&
			identity.edgeUrl.replace(/\/$/, "") === edgeUrl &&
			identity.zoneId === spec.zoneId &&
			active.has(identity.nodeId)
		) {
			valid.add(spec.name);
		}
	}
	return valid;
}

/** Enrolls the agents not in `valid`, then starts all of them. */
export async function startFleet(
	edge: EdgeEndpoint,
	specs: AgentSpec[],
	valid: Set<string>,
	log: (line: string) => void,
): Promise<ManagedProcess[]> {
	const agents: ManagedProcess[] = [];
	for (const spec of specs) {
		if (valid.has(spec.name)) log(`${spec.name}: reusing its identity in ${spec.stateDir}`);
		else {
			const identity = await enrollAgent(edge, spec);
			log(`${spec.name}: enrolled in ${spec.zoneId} as ${identity.nodeId}`);
		}
		agents.push(runAgent(edge, spec));
	}
	return agents;
}
