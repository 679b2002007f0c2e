/**
 * The edges the benchmark compares, each with its own state and one real
 * agent (openai backend, pointed at the shared fake server): the Worker under
 * workerd directly (Miniflare: the primary figure, as close to production as
 * loopback allows), the same with its Durable Object and D1 state on tmpfs
 * (what the disk's flush of every commit costs on this machine), and under
 * `wrangler dev` (secondary: wrangler dev adds its own dev proxy and
 * live-reload layer in front of workerd).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawnAgent } from "../test/support/agent-process.js";
import { type EdgeEndpoint, waitForModel } from "../test/support/edge-client.js";
import { queryLocalD1, startLocalEdge } from "../test/support/local-edge.js";
import { startMiniflareEdge } from "../test/support/miniflare-edge.js";
import { AgentReceipts } from "./agent-receipt.js";
import type { QueryD1 } from "./job-phases.js";
import { ownWorkerdPids } from "./process-cpu.js";

/** How the Worker is served locally. */
export type EdgeKind = "workerd" | "workerd-tmpfs" | "workerd-entry" | "wrangler-dev";

/** Where the tmpfs row keeps its state: RAM, so a commit's flush to disk costs nothing. */
export const TMPFS_DIR = "/dev/shm";

/** Whether the machine has the tmpfs the tmpfs row needs. */
export function hasTmpfs(): boolean {
	return existsSync(TMPFS_DIR);
}

/** A running edge with its agent, ready for requests for `model`. */
export interface EdgeUnderTest {
	kind: EdgeKind;
	/** Row label in the table. */
	label: string;
	endpoint: EdgeEndpoint;
	/** The agent's job receipts, fed from its log. */
	receipts: AgentReceipts;
	/** Reads the edge's D1. */
	query: QueryD1;
	/** The processes whose CPU the table reports per request: workerd (direct only: wrangler dev's is not ours) and the agent. */
	pids: { workerd: number[]; agent: number };
}

/** Labels of the kinds, as the table prints them. */
export const EDGE_LABELS: Record<EdgeKind, string> = {
	workerd: "edge, workerd direct (Miniflare, own socket)",
	"workerd-tmpfs": "edge, workerd direct, state on tmpfs",
	"workerd-entry": "edge, workerd via Miniflare's entry worker",
	"wrangler-dev": "edge, wrangler dev (adds its own dev proxy)",
};

/** Where the edge runs and what it serves. */
export interface EdgeSetup {
	workDir: string;
	zoneId: string;
	model: string;
	/** The fake OpenAI server the agent drives. */
	backendUrl: string;
	/** Cleanup steps are pushed here as each piece starts, so a failure part-way still stops what started. */
	cleanups: (() => Promise<unknown>)[];
}

/** Starts an edge of `kind` with one agent (4 slots) and waits until the router lists the model (60 s at most). */
export async function startEdgeUnderTest(kind: EdgeKind, setup: EdgeSetup): Promise<EdgeUnderTest> {
	let persistDir = join(setup.workDir, `${kind}-state`);
	if (kind === "workerd-tmpfs") {
		const dir = mkdtempSync(join(TMPFS_DIR, "arcnet-bench-"));
		setup.cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
		persistDir = join(dir, "state");
	}
	let endpoint: EdgeEndpoint;
	let query: QueryD1;
	let workerd: number[] = [];
	if (kind !== "wrangler-dev") {
		const before = new Set(ownWorkerdPids());
		const edge = await startMiniflareEdge({ persistDir, directSocket: kind !== "workerd-entry" });
		setup.cleanups.push(() => edge.stop());
		endpoint = edge;
		query = edge.queryD1;
		workerd = ownWorkerdPids().filter((pid) => !before.has(pid));
	} else {
		const edge = await startLocalEdge({ persistDir });
		setup.cleanups.push(() => edge.stop());
		endpoint = edge;
		query = (sql) => queryLocalD1(persistDir, sql);
	}
	const receipts = new AgentReceipts();
	const agent = await spawnAgent(endpoint, {
		name: `bench-agent-${kind}`,
		zoneId: setup.zoneId,
		stateDir: join(setup.workDir, `${kind}-agent`),
		backend: { kind: "openai", url: setup.backendUrl },
		slots: 4,
		onLine: receipts.onLine,
	});
	setup.cleanups.push(() => agent.stop(15_000));
	await waitForModel(endpoint, setup.model, 60_000);
	return { kind, label: EDGE_LABELS[kind], endpoint, receipts, query, pids: { workerd, agent: agent.pid } };
}
