/**
 * Keeps node-agent/dist/arcnet-agent.mjs in step with its sources: `npm run dev`
 * and the benchmark run the bundle, like operators do, so a stale bundle would
 * silently run old agent code.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { AGENT_BUNDLE } from "../test/support/agent-process.js";
import { REPO_ROOT } from "../test/support/local-edge.js";
import { runToCompletion } from "../test/support/managed-process.js";

/** Sources the bundle is built from; a change in any of them makes it stale. */
const SOURCES = ["node-agent/src", "node-agent/build.ts", "src/protocol"];

function newestMtime(path: string): number {
	if (!existsSync(path)) return 0;
	const stat = statSync(path);
	if (!stat.isDirectory()) return stat.mtimeMs;
	return readdirSync(path).reduce((max, entry) => Math.max(max, newestMtime(join(path, entry))), stat.mtimeMs);
}

/** True when the bundle is missing or older than one of its sources. */
export function agentBundleIsStale(): boolean {
	if (!existsSync(AGENT_BUNDLE)) return true;
	const built = statSync(AGENT_BUNDLE).mtimeMs;
	return SOURCES.some((s) => newestMtime(join(REPO_ROOT, s)) > built);
}

/** Runs `npm run build:agent`'s build (tsx node-agent/build.ts) when the bundle is stale; returns whether it built. */
export async function ensureAgentBundle(onLine?: (line: string) => void): Promise<boolean> {
	if (!agentBundleIsStale()) return false;
	await runToCompletion({
		name: "build:agent",
		command: process.execPath,
		args: [join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(REPO_ROOT, "node-agent", "build.ts")],
		cwd: REPO_ROOT,
		onLine,
		timeoutMs: 120_000,
	});
	return true;
}
