/**
 * The built agent in a child process, drained with SIGTERM while the edge is
 * frozen (it accepts requests and never answers): the drain must end within
 * the grace plus the hand-back's 5 s, whatever the edge does, so that
 * systemd's stop timeout never kills an agent that is still handing jobs back.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "../../node-agent/build.js";
import { loadConfig } from "../../node-agent/src/config.js";
import { saveIdentity } from "../../node-agent/src/identity.js";
import { RELEASE_TIMEOUT_MS } from "../../node-agent/src/work-loop.js";
import { FakeEdge, fakeIdentity, fakeJob, waitFor } from "./agent-fake-edge.js";

/** The Node binary that runs the bundle; set ARCNET_AGENT_TEST_NODE=/usr/bin/node to check Node 20. */
const AGENT_NODE = process.env.ARCNET_AGENT_TEST_NODE || process.execPath;
const GRACE_MS = 1000;

let edge: FakeEdge | undefined;
let bundle = "";
beforeAll(async () => {
	bundle = join(mkdtempSync(join(tmpdir(), "arcnet-agent-bundle-")), "arcnet-agent.mjs");
	await buildAgent(bundle);
});
afterEach(async () => {
	await edge?.stop();
});

describe("agent drain with a frozen edge", () => {
	it.each(["http", "websocket"])(
		"exits within the grace plus the hand-back timeout over %s, cutting the event post in flight",
		async (channel) => {
			const fake = await new FakeEdge(undefined, { channel: channel === "websocket" }).start();
			edge = fake;
			const state = mkdtempSync(join(tmpdir(), "arcnet-agent-state-"));
			saveIdentity(state, fakeIdentity(fake));
			const job = fakeJob(31, 1000);
			fake.state.queue.push(job);
			const args = [
				...["run", "--state-dir", state, "--edge", fake.url, "--edge-channel", channel],
				...["--backend", "simulated", "--models", "sim-1", "--sim-tokens-per-second", "20"],
				...["--drain-grace-ms", String(GRACE_MS), "--poll-wait-ms", "500", "--log-format", "json"],
			];
			const child = spawn(AGENT_NODE, [bundle, ...args], {
				stdio: ["ignore", "ignore", "pipe"],
				env: { PATH: process.env.PATH ?? "" },
			});
			let output = "";
			child.stderr.on("data", (d) => {
				output += d;
			});
			const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
			try {
				await waitFor("first delta", () => fake.state.text(job.jobId).length > 0);
				fake.state.frozen = true;
				await waitFor("an event post held by the frozen edge", () =>
					fake.state.frozenRequests.some((p) => p.endsWith("/events")),
				);
				const signalledAt = Date.now();
				child.kill("SIGTERM");
				expect(await exited).toBe(0);
				// Generous: before the bound, the held post (15 s) and then the hand-back (15 s) each ran to their timeouts.
				expect(Date.now() - signalledAt).toBeLessThan(GRACE_MS + RELEASE_TIMEOUT_MS + 6000);
				expect(output).toContain("could not release jobs");
			} finally {
				child.kill("SIGKILL");
			}
		},
		60_000,
	);

	it("is given longer by the systemd unit than the default grace plus the hand-back", () => {
		const unit = readFileSync(new URL("../../node-agent/arcnet-agent.service", import.meta.url), "utf8");
		const stopSec = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
		const { drainGraceMs } = loadConfig({ flags: {}, env: {}, configPath: undefined });
		expect(stopSec * 1000).toBeGreaterThan(drainGraceMs + RELEASE_TIMEOUT_MS);
	});
});
