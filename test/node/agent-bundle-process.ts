/**
 * Runs commands of the agent bundle as child processes, as an operator would:
 * `bundleCommand(bundle, args)` starts one and collects its stdout and stderr.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The Node that runs the bundle; ARCNET_AGENT_TEST_NODE=/usr/bin/node checks another. */
export const AGENT_NODE = process.env.ARCNET_AGENT_TEST_NODE || process.execPath;

/** A started command: the child, its output so far, and its exit code once it exits. */
export type BundleCommand = ChildProcess & { output(): string; exited: Promise<number | null> };

/** Starts `node bundle ...args` with only PATH and `env` in its environment. */
export function bundleCommand(bundle: string, args: string[], env: Record<string, string> = {}): BundleCommand {
	const child = spawn(AGENT_NODE, [bundle, ...args], {
		stdio: ["ignore", "pipe", "pipe"],
		env: { PATH: process.env.PATH ?? "", ...env },
	});
	let out = "";
	child.stdout?.on("data", (d) => {
		out += d;
	});
	child.stderr?.on("data", (d) => {
		out += d;
	});
	const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
	return Object.assign(child, { output: () => out, exited });
}

/** A fresh state directory path (not yet created, as on a new host). */
export function freshStateDir(): string {
	return join(mkdtempSync(join(tmpdir(), "arcnet-agent-state-")), "state");
}
