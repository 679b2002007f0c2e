/**
 * The agent against a small fake edge on loopback: in-process for the work
 * loop, and as the built bundle in a child process for enroll, SIGTERM drain
 * and release.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importJWK, jwtVerify } from "jose";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "../../node-agent/build.js";
import { createSimulatedBackend, simulatedTokens } from "../../node-agent/src/backends/simulated.js";
import { EdgeClient } from "../../node-agent/src/edge-client.js";
import { generateKeyPair, type Identity } from "../../node-agent/src/identity.js";
import { createTokenSource } from "../../node-agent/src/jwt.js";
import { createLogger } from "../../node-agent/src/logger.js";
import { createSimulatedGpu } from "../../node-agent/src/telemetry/gpu-simulated.js";
import { createHostSampler } from "../../node-agent/src/telemetry/host.js";
import { EXIT_REVOKED, WorkLoop } from "../../node-agent/src/work-loop.js";
import {
	type Ed25519PublicJwk,
	enrollRequestSchema,
	type JobEvent,
	jobEventsRequestSchema,
	type LeasedJob,
	pollRequestSchema,
	releaseRequestSchema,
	type TelemetryRequest,
	telemetryRequestSchema,
} from "../../src/protocol/agent-wire.js";

/** The Node binary that runs the bundle; set ARCNET_AGENT_TEST_NODE=/usr/bin/node to check Node 20. */
const AGENT_NODE = process.env.ARCNET_AGENT_TEST_NODE || process.execPath;
const NODE_ID = "node_testnode00000000000001";
const AUDIENCE = "arcnet-agent-test";

/** A fake edge: hands out queued jobs, checks every JWT, records what the agent sends. */
class FakeEdge {
	server: Server;
	url = "";
	publicJwk: Ed25519PublicJwk | null = null;
	queue: LeasedJob[] = [];
	events = new Map<string, JobEvent[]>();
	telemetry: TelemetryRequest[] = [];
	released: string[] = [];
	authFailures = 0;
	pollStatus: { status: number; code: string } | null = null;
	private holds = new Set<() => void>();

	constructor() {
		this.server = createServer((req, res) => {
			void this.handle(req).then(
				([status, body]) => {
					res.writeHead(status, { "content-type": "application/json" });
					res.end(JSON.stringify(body));
				},
				(err: unknown) => {
					res.writeHead(500, { "content-type": "application/json" });
					res.end(JSON.stringify({ error: { message: String(err), type: "server_error", param: null, code: null } }));
				},
			);
		});
	}

	async start(): Promise<this> {
		await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
		return this;
	}

	stop(): Promise<void> {
		for (const release of this.holds) release();
		this.server.closeAllConnections();
		return new Promise((r) => this.server.close(() => r()));
	}

	text(jobId: string): string {
		return (this.events.get(jobId) ?? []).map((e) => (e.type === "delta" ? e.text : "")).join("");
	}

	private async handle(req: IncomingMessage): Promise<[number, unknown]> {
		let raw = "";
		for await (const c of req) raw += c;
		const body: unknown = JSON.parse(raw || "null");
		const path = req.url ?? "";
		if (path === "/agent/v1/enroll") {
			const e = enrollRequestSchema.parse(body);
			this.publicJwk = e.publicKeyJwk;
			return [200, { nodeId: NODE_ID, zoneId: "eu-stockholm", audience: AUDIENCE }];
		}
		if (!(await this.authorised(req.headers.authorization))) {
			this.authFailures++;
			return [401, { error: { message: "bad token", type: "auth", param: null, code: "invalid_token" } }];
		}
		if (path === "/agent/v1/poll") {
			const p = pollRequestSchema.parse(body);
			if (this.pollStatus) {
				return [
					this.pollStatus.status,
					{ error: { message: "no", type: "x", param: null, code: this.pollStatus.code } },
				];
			}
			if (this.queue.length === 0) {
				await new Promise<void>((resolve) => {
					const done = () => {
						this.holds.delete(done);
						resolve();
					};
					this.holds.add(done);
					setTimeout(done, Math.min(p.waitMs, 300));
				});
			}
			return [200, { jobs: this.queue.splice(0, p.maxJobs) }];
		}
		const events = /^\/agent\/v1\/jobs\/([^/]+)\/events$/.exec(path);
		if (events?.[1]) {
			const e = jobEventsRequestSchema.parse(body);
			const list = this.events.get(events[1]) ?? [];
			for (const ev of e.events) if (ev.seq === list.length) list.push(ev);
			this.events.set(events[1], list);
			return [200, { leaseExpiresAt: Date.now() + 30_000, cancelled: false }];
		}
		if (path === "/agent/v1/jobs/release") {
			for (const l of releaseRequestSchema.parse(body).leases) this.released.push(l.jobId);
			return [200, { released: this.released.length }];
		}
		if (path === "/agent/v1/telemetry") {
			const t = telemetryRequestSchema.parse(body);
			this.telemetry.push(t);
			return [200, { leases: Object.fromEntries(t.running.map((r) => [r.jobId, Date.now() + 30_000])), cancel: [] }];
		}
		return [404, { error: { message: "not found", type: "x", param: null, code: null } }];
	}

	private async authorised(header: string | undefined): Promise<boolean> {
		if (!this.publicJwk || !header?.startsWith("Bearer ")) return false;
		try {
			const key = await importJWK(this.publicJwk, "EdDSA");
			await jwtVerify(header.slice(7), key, {
				algorithms: ["EdDSA"],
				audience: AUDIENCE,
				subject: NODE_ID,
				maxTokenAge: "120s",
			});
			return true;
		} catch {
			return false;
		}
	}
}

function job(n: number, maxTokens?: number): LeasedJob {
	return {
		jobId: `job_test${String(n).padStart(20, "0")}`,
		leaseId: `lease_test${String(n).padStart(20, "0")}`,
		leaseExpiresAt: Date.now() + 30_000,
		attempt: 1,
		model: "sim-1",
		request: {
			messages: [{ role: "user", content: `question ${n}` }],
			...(maxTokens ? { max_tokens: maxTokens } : {}),
		},
	};
}

async function waitFor(what: string, check: () => boolean, limitMs = 20_000): Promise<void> {
	const until = Date.now() + limitMs;
	while (!check()) {
		if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

let edge: FakeEdge;
afterEach(async () => {
	await edge?.stop();
});

function inProcessLoop(identity: Identity, overrides: { drainGraceMs?: number; tokensPerSecond?: number } = {}) {
	return new WorkLoop({
		edge: new EdgeClient({ edgeUrl: edge.url, tokens: createTokenSource(identity) }),
		backend: createSimulatedBackend({ models: ["sim-1"], tokensPerSecond: overrides.tokensPerSecond ?? 0 }),
		logger: createLogger({ format: "json", level: "error", write: () => {} }),
		gpu: createSimulatedGpu(),
		host: createHostSampler(),
		slots: 2,
		pollWaitMs: 1000,
		telemetryIntervalMs: 1000,
		drainGraceMs: overrides.drainGraceMs ?? 5000,
	});
}

function testIdentity(): Identity {
	const { publicJwk, privateJwk } = generateKeyPair();
	edge.publicJwk = publicJwk;
	return {
		nodeId: NODE_ID,
		zoneId: "eu-stockholm",
		audience: AUDIENCE,
		edgeUrl: edge.url,
		publicJwk,
		privateJwk,
		enrolledAt: "",
	};
}

describe("agent work loop (in process)", () => {
	it("runs a leased job and posts its output in seq order, then a done event", async () => {
		edge = await new FakeEdge().start();
		const loop = inProcessLoop(testIdentity());
		const j = job(1);
		edge.queue.push(j);
		const exit = loop.run();
		await waitFor("done event", () => edge.events.get(j.jobId)?.at(-1)?.type === "done");
		loop.shutdown();
		expect(await exit).toBe(0);
		const events = edge.events.get(j.jobId) ?? [];
		expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
		expect(edge.text(j.jobId)).toBe(simulatedTokens("sim-1", j.request).join(""));
		expect(events.at(-1)).toMatchObject({ type: "done", finishReason: "stop" });
		expect(edge.telemetry[0]).toMatchObject({ hardware: "simulated", slots: 2, models: ["sim-1"] });
		expect(edge.authFailures).toBe(0);
	});

	it("stops with exit code 78 when the edge says node_revoked", async () => {
		edge = await new FakeEdge().start();
		edge.pollStatus = { status: 403, code: "node_revoked" };
		const loop = inProcessLoop(testIdentity());
		expect(await loop.run()).toBe(EXIT_REVOKED);
	});

	it("releases a job that outlives the grace period on shutdown", async () => {
		edge = await new FakeEdge().start();
		const loop = inProcessLoop(testIdentity(), { drainGraceMs: 0, tokensPerSecond: 5 });
		const j = job(2);
		edge.queue.push(j);
		const exit = loop.run();
		await waitFor("first delta", () => (edge.events.get(j.jobId)?.length ?? 0) > 0);
		loop.shutdown();
		expect(await exit).toBe(0);
		expect(edge.released).toEqual([j.jobId]);
		expect(edge.events.get(j.jobId)?.some((e) => e.type === "done")).toBe(false);
	});
});

describe("agent bundle (child process)", () => {
	let bundle = "";
	beforeAll(async () => {
		bundle = join(mkdtempSync(join(tmpdir(), "arcnet-agent-bundle-")), "arcnet-agent.mjs");
		await buildAgent(bundle);
	});

	function agent(
		args: string[],
		stateDir: string,
	): ChildProcess & { output: () => string; exited: Promise<number | null> } {
		const child = spawn(AGENT_NODE, [bundle, ...args, "--state-dir", stateDir, "--edge", edge.url], {
			stdio: ["ignore", "pipe", "pipe"],
			env: { PATH: process.env.PATH ?? "" },
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

	it("enrolls, refuses to enroll twice, and on SIGTERM lets the running job finish before exiting 0", async () => {
		edge = await new FakeEdge().start();
		const state = join(mkdtempSync(join(tmpdir(), "arcnet-agent-state-")), "state");
		const enroll = agent(["enroll", "--token", "enroll-token-0123456789", "--name", "gpu-1"], state);
		expect(await enroll.exited).toBe(0);
		expect(statSync(join(state, "identity.json")).mode & 0o777).toBe(0o600);
		const again = agent(["enroll", "--token", "enroll-token-0123456789"], state);
		expect(await again.exited).toBe(73);
		expect(again.output()).toContain("pass --force");

		const j = job(3, 12);
		edge.queue.push(j);
		const run = agent(
			[
				"run",
				"--backend",
				"simulated",
				"--models",
				"sim-1",
				"--sim-tokens-per-second",
				"20",
				"--poll-wait-ms",
				"500",
				"--log-format",
				"json",
			],
			state,
		);
		await waitFor("first delta", () => (edge.events.get(j.jobId)?.length ?? 0) > 0);
		run.kill("SIGTERM");
		expect(await run.exited).toBe(0);
		expect(edge.events.get(j.jobId)?.at(-1)).toMatchObject({
			type: "done",
			finishReason: "length",
			usage: { completion_tokens: 12 },
		});
		expect(edge.text(j.jobId)).toBe(simulatedTokens("sim-1", j.request).slice(0, 12).join(""));
		expect(edge.released).toEqual([]);
		const lines = run
			.output()
			.trim()
			.split("\n")
			.map((l) => JSON.parse(l) as Record<string, unknown>);
		expect(lines.some((l) => l.msg === "job started" && l.jobId === j.jobId && l.attempt === 1)).toBe(true);
		expect(edge.authFailures).toBe(0);
	});

	it("exits at once with 143 on a second SIGTERM", async () => {
		edge = await new FakeEdge().start();
		const state = join(mkdtempSync(join(tmpdir(), "arcnet-agent-state-")), "state");
		expect(await agent(["enroll", "--token", "enroll-token-0123456789"], state).exited).toBe(0);
		const j = job(4);
		edge.queue.push(j);
		const run = agent(
			["run", "--backend", "simulated", "--models", "sim-1", "--sim-tokens-per-second", "1", "--poll-wait-ms", "500"],
			state,
		);
		await waitFor("first delta", () => (edge.events.get(j.jobId)?.length ?? 0) > 0);
		run.kill("SIGTERM");
		await waitFor("drain log", () => run.output().includes("draining"));
		run.kill("SIGTERM");
		expect(await run.exited).toBe(143);
	});
});
