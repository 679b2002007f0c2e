/**
 * What a running agent logs when its key is rotated under it: the zone closes
 * the channel the old key opened (close code 4001, re-authenticate), and the
 * agent's next lines say its key is refused and to restart it, not that the
 * edge is unreachable: the edge answered all along.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "../../node-agent/build.js";
import { bundleCommand, freshStateDir } from "./agent-bundle-process.js";
import { FakeEdge, waitFor } from "./agent-fake-edge.js";

let bundle = "";
beforeAll(async () => {
	bundle = join(mkdtempSync(join(tmpdir(), "arcnet-agent-rotate-")), "arcnet-agent.mjs");
	await buildAgent(bundle);
});

let edge: FakeEdge | undefined;
afterEach(async () => {
	await edge?.stop();
	edge = undefined;
});

interface LogLine {
	level: string;
	msg: string;
}

function logLines(output: string): LogLine[] {
	return output
		.split("\n")
		.filter((l) => l.startsWith("{"))
		.map((l) => JSON.parse(l) as LogLine);
}

describe("agent log after rotate-key", () => {
	it("says the running agent's key is refused and to restart it, never that the edge is unreachable", async () => {
		edge = await new FakeEdge(undefined, { channel: true }).start(0);
		const fake = edge;
		const state = freshStateDir();
		const enrollArgs = ["enroll", "--edge", fake.url, "--token", "enroll-token-0123456789", "--state-dir", state];
		expect(await bundleCommand(bundle, enrollArgs).exited).toBe(0);
		const run = bundleCommand(bundle, [
			"run",
			"--state-dir",
			state,
			"--backend",
			"simulated",
			"--gpu",
			"simulated",
			"--log-format",
			"json",
			"--telemetry-interval-ms",
			"1000",
			"--poll-wait-ms",
			"300",
		]);
		try {
			await waitFor("the channel to carry polls", () => fake.state.channelRequests >= 3);
			const before = logLines(run.output()).length;
			const rotate = bundleCommand(bundle, ["rotate-key", "--state-dir", state]);
			expect(await rotate.exited).toBe(0);
			await waitFor("the refused old key to be logged", () => logLines(run.output()).length > before);
			// A few more polls and ticks against the closed channel and the refused key.
			const refusals = fake.state.authFailures;
			await waitFor("more refused calls", () => fake.state.authFailures >= refusals + 4);
			const after = logLines(run.output()).slice(before);
			expect(after[0]).toMatchObject({ level: "error" });
			expect(after[0]?.msg).toContain("does not accept this node's key (401)");
			expect(after[0]?.msg).toContain("after rotate-key, restart the agent");
			expect(after.map((l) => l.msg)).not.toContain("edge unreachable; retrying with backoff");
		} finally {
			run.kill("SIGTERM");
			await run.exited;
		}
	});
});
