/**
 * The hooks an end-to-end suite with a local edge, a fake backend and real
 * agents needs: the logs of every process when a test fails, and everything
 * stopped and removed after the suite.
 */
import { rm } from "node:fs/promises";
import { afterAll, beforeEach } from "vitest";
import type { ManagedProcess } from "./managed-process.js";

/** What a suite started, read when a hook runs (the suite's beforeAll fills it). */
export interface Fleet {
	workDir: string;
	edge: { logs(): string[]; stop(): Promise<void> } | undefined;
	fake: { close(): Promise<void> } | undefined;
	agents: ManagedProcess[];
}

/** Prints the last 40 lines of the edge's and each agent's output. */
export function printFleetLogs(fleet: Fleet): void {
	const tail = (name: string, lines: string[]) => `--- ${name} (last 40 lines)\n${lines.slice(-40).join("\n")}`;
	const { edge, agents } = fleet;
	console.error([edge ? tail("wrangler", edge.logs()) : "", ...agents.map((a) => tail(a.name, a.logs))].join("\n"));
}

/** Registers the suite's hooks: logs on a failed test, and the fleet stopped and its directory removed after all. */
export function fleetHooks(fleet: () => Fleet): void {
	beforeEach(({ onTestFailed }) => {
		onTestFailed(() => printFleetLogs(fleet()));
	});
	afterAll(async () => {
		const { agents, edge, fake, workDir } = fleet();
		await Promise.all(agents.map((a) => a.stop(15_000)));
		await edge?.stop();
		await fake?.close();
		if (workDir) await rm(workDir, { recursive: true, force: true });
	});
}
