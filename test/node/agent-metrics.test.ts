/**
 * The agent's own /metrics: --metrics-listen is off by default and validated;
 * a real agent process serves jobs, channel state and GPU readings that move
 * with a job, in text promtool accepts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "../../node-agent/build.js";
import { ConfigError, loadConfig } from "../../node-agent/src/config.js";
import { AgentMetrics } from "../../node-agent/src/metrics/agent-metrics.js";
import { parseListenAddress } from "../../node-agent/src/metrics/metrics-server.js";
import { freePort } from "../support/free-port.js";
import { prometheusTools, promtool } from "../support/prometheus-tools.js";
import { FakeEdge, fakeJob, waitFor } from "./agent-fake-edge.js";

const AGENT_NODE = process.env.ARCNET_AGENT_TEST_NODE || process.execPath;
const tools = prometheusTools();
if (!tools.ok) console.warn(`skipping the promtool check of the agent's scrape: ${tools.reason}`);

function sample(text: string, series: string): number | undefined {
	const line = text.split("\n").find((l) => l.startsWith(`${series} `));
	return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("--metrics-listen", () => {
	it("is off by default, and takes host:port or a bare port on loopback", () => {
		expect(loadConfig({ flags: {}, env: {} }).metricsListen).toBeUndefined();
		expect(loadConfig({ flags: { "metrics-listen": "127.0.0.1:9464" }, env: {} }).metricsListen).toEqual({
			host: "127.0.0.1",
			port: 9464,
		});
		expect(parseListenAddress("9464")).toEqual({ host: "127.0.0.1", port: 9464 });
		expect(parseListenAddress("[::1]:9464")).toEqual({ host: "::1", port: 9464 });
	});

	it("refuses a bad address, naming the field, where it came from and the value", () => {
		expect(() => loadConfig({ flags: {}, env: { ARCNET_METRICS_LISTEN: "127.0.0.1:99999" } })).toThrow(ConfigError);
		expect(() => loadConfig({ flags: {}, env: { ARCNET_METRICS_LISTEN: "127.0.0.1:99999" } })).toThrow(
			/metricsListen: expected host:port \(e\.g\. 127\.0\.0\.1:9464\) or a port from 1 to 65535, got "127\.0\.0\.1:99999" \(from env ARCNET_METRICS_LISTEN\)/,
		);
		expect(parseListenAddress("http://x:1")).toMatch(/got "http:\/\/x:1"/);
	});
});

describe("AgentMetrics", () => {
	it("counts outcomes, backend errors by code, tokens and reconnects", () => {
		const metrics = new AgentMetrics();
		metrics.jobEnded({ kind: "done" });
		metrics.jobEnded({ kind: "failed", code: "backend_error" });
		metrics.jobEnded({ kind: "stopped", reason: "shutdown" });
		metrics.jobEnded({ kind: "stopped", reason: "cancelled" });
		metrics.tokens(7);
		metrics.channelOpened();
		metrics.channelClosed();
		metrics.channelOpened();
		const text = metrics.render();
		expect(sample(text, 'arcnet_agent_jobs_finished_total{outcome="succeeded"}')).toBe(1);
		expect(sample(text, 'arcnet_agent_jobs_finished_total{outcome="failed"}')).toBe(1);
		expect(sample(text, 'arcnet_agent_jobs_finished_total{outcome="released"}')).toBe(1);
		expect(sample(text, 'arcnet_agent_jobs_finished_total{outcome="cancelled"}')).toBe(1);
		expect(sample(text, 'arcnet_agent_backend_errors_total{code="backend_error"}')).toBe(1);
		expect(sample(text, "arcnet_agent_output_tokens_total")).toBe(7);
		expect(sample(text, "arcnet_agent_reconnects_total")).toBe(1);
		expect(sample(text, "arcnet_agent_channel_up")).toBe(1);
		expect(text).not.toContain("arcnet_agent_spans_");
	});

	it("counts spans exported and dropped when --otlp-endpoint is set", () => {
		const metrics = new AgentMetrics();
		metrics.spanCounts(() => ({ exported: 12, dropped: 3, queued: 1 }));
		const text = metrics.render();
		expect(sample(text, "arcnet_agent_spans_exported_total")).toBe(12);
		expect(sample(text, "arcnet_agent_spans_dropped_total")).toBe(3);
	});
});

describe("agent /metrics (bundle, child process)", () => {
	let bundle = "";
	let edge: FakeEdge | undefined;
	let child: ChildProcess | undefined;

	beforeAll(async () => {
		bundle = join(mkdtempSync(join(tmpdir(), "arcnet-agent-metrics-")), "arcnet-agent.mjs");
		await buildAgent(bundle);
	});

	afterEach(async () => {
		if (child && child.exitCode === null) {
			const exited = new Promise((r) => child?.once("exit", r));
			child.kill("SIGTERM");
			await exited;
		}
		await edge?.stop();
	});

	function agent(args: string[]) {
		const proc = spawn(AGENT_NODE, [bundle, ...args], {
			stdio: ["ignore", "pipe", "pipe"],
			env: { PATH: process.env.PATH ?? "" },
		});
		let out = "";
		proc.stdout?.on("data", (d) => {
			out += d;
		});
		proc.stderr?.on("data", (d) => {
			out += d;
		});
		const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
		return Object.assign(proc, { output: () => out, exited });
	}

	it("serves jobs, tokens, channel state and GPU readings that move with a job", async () => {
		edge = await new FakeEdge(undefined, { channel: true }).start(0);
		const state = join(mkdtempSync(join(tmpdir(), "arcnet-agent-state-")), "state");
		expect(
			await agent(["enroll", "--edge", edge.url, "--token", "enroll-token-0123456789", "--state-dir", state]).exited,
		).toBe(0);
		const port = await freePort();
		const run = agent([
			"run",
			"--state-dir",
			state,
			"--backend",
			"simulated",
			"--models",
			"sim-1",
			"--sim-tokens-per-second",
			"0",
			"--gpu",
			"simulated",
			"--telemetry-interval-ms",
			"1000",
			"--poll-wait-ms",
			"300",
			"--metrics-listen",
			`127.0.0.1:${port}`,
		]);
		child = run;
		const url = `http://127.0.0.1:${port}/metrics`;
		await waitFor("the metrics server", () => run.output().includes("serving metrics"));
		const scrape = async () => {
			const res = await fetch(url);
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
			return res.text();
		};
		const before = await scrape();
		expect(sample(before, 'arcnet_agent_jobs_finished_total{outcome="succeeded"}')).toBe(0);
		const fakeEdge = edge;
		fakeEdge.state.queue.push(fakeJob(1, 8));
		await waitFor("the job's done event", () =>
			(fakeEdge.state.events.get(fakeJob(1).jobId) ?? []).some((e) => e.type === "done"),
		);
		let after = "";
		await waitFor(
			"the finished job and a telemetry tick in the scrape",
			() => {
				void scrape().then((t) => {
					after = t;
				});
				return (
					sample(after, 'arcnet_agent_jobs_finished_total{outcome="succeeded"}') === 1 &&
					sample(after, 'arcnet_agent_gpu_temperature_celsius{gpu="0"}') !== undefined
				);
			},
			20_000,
		);
		expect(sample(after, "arcnet_agent_output_tokens_total")).toBeGreaterThan(0);
		expect(sample(after, "arcnet_agent_channel_up")).toBe(1);
		expect(sample(after, "arcnet_agent_reconnects_total")).toBe(0);
		expect(after).not.toContain(fakeJob(1).jobId);
		expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
		if (tools.ok) {
			const checked = promtool(tools, ["check", "metrics"], after);
			expect(checked.output).toBe("");
			expect(checked.status).toBe(0);
		}
	});

	it("stops at start, naming the address, when the metrics port is taken", async () => {
		edge = await new FakeEdge(undefined, { channel: true }).start(0);
		const state = join(mkdtempSync(join(tmpdir(), "arcnet-agent-state-")), "state");
		expect(
			await agent(["enroll", "--edge", edge.url, "--token", "enroll-token-0123456789", "--state-dir", state]).exited,
		).toBe(0);
		const holder = createServer();
		await new Promise<void>((r) => holder.listen(0, "127.0.0.1", () => r()));
		const address = holder.address();
		const port = typeof address === "object" && address ? address.port : 0;
		try {
			const run = agent([
				"run",
				"--state-dir",
				state,
				"--backend",
				"simulated",
				"--gpu",
				"simulated",
				"--metrics-listen",
				`127.0.0.1:${port}`,
			]);
			child = run;
			expect(await run.exited).toBe(1);
			expect(run.output()).toMatch(new RegExp(`EADDRINUSE.*127\\.0\\.0\\.1:${port}`));
		} finally {
			await new Promise((r) => holder.close(r));
		}
	});
});
