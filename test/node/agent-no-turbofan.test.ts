/**
 * `arcnet-agent run` turns V8's optimising compiler off before its code runs
 * hot (docs/agent.md, Footprint): TurboFan's first compile paged megabytes
 * more of the node binary into the idle agent. Node's `--trace-opt` names
 * every function TurboFan compiles; the bundle serving a few hundred jobs
 * must print none.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "../../node-agent/build.js";
import { AGENT_NODE, bundleCommand, freshStateDir } from "./agent-bundle-process.js";
import { FakeEdge, fakeJob, waitFor } from "./agent-fake-edge.js";

const JOBS = 300;

let bundle = "";
beforeAll(async () => {
	bundle = join(mkdtempSync(join(tmpdir(), "arcnet-agent-noopt-")), "arcnet-agent.mjs");
	await buildAgent(bundle);
});

let edge: FakeEdge | undefined;
afterEach(async () => {
	await edge?.stop();
});

/** Serves JOBS simulated jobs under --trace-opt and returns the TurboFan compiles the trace reports. */
async function turbofanCompiles(extraEnv: Record<string, string>): Promise<string[]> {
	edge = await new FakeEdge().start();
	const state = freshStateDir();
	const enroll = bundleCommand(bundle, [
		"enroll",
		"--edge",
		edge.url,
		"--token",
		"enroll-token-0123456789",
		"--state-dir",
		state,
	]);
	expect(await enroll.exited).toBe(0);
	for (let i = 1; i <= JOBS; i++) edge.state.queue.push(fakeJob(i, 20));
	const run = spawn(
		AGENT_NODE,
		[
			"--trace-opt",
			bundle,
			"run",
			"--state-dir",
			state,
			"--backend",
			"simulated",
			"--models",
			"sim-1",
			"--sim-tokens-per-second",
			"0",
			"--slots",
			"16",
			"--log-level",
			"error",
		],
		{ stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "", ...extraEnv } },
	);
	let trace = "";
	run.stdout.on("data", (d) => {
		trace += d;
	});
	const exited = new Promise((r) => run.on("exit", r));
	try {
		const done = () => [...(edge?.state.events.values() ?? [])].filter((l) => l.at(-1)?.type === "done").length;
		await waitFor(`${JOBS} jobs done`, () => done() === JOBS, 60_000);
	} finally {
		run.kill("SIGTERM");
		await exited;
	}
	return trace.split("\n").filter((l) => l.includes("completed compiling") && l.includes("TURBOFAN"));
}

describe("agent run without the optimising compiler", () => {
	it("serves hundreds of jobs without TurboFan compiling anything", async () => {
		expect(await turbofanCompiles({})).toEqual([]);
	}, 90_000);

	it("lets an operator who wants throughput over memory turn it back on with ARCNET_V8_OPTIMIZE=1", async () => {
		expect((await turbofanCompiles({ ARCNET_V8_OPTIMIZE: "1" })).length).toBeGreaterThan(0);
	}, 90_000);
});
