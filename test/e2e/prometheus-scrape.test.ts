/**
 * A real Prometheus (Debian's package) scrapes the local edge's GET /metrics
 * with the dedicated metrics token, loads ops/alerts.yml, and sees the
 * counters move when a request runs through a real agent; promtool checks a
 * real scrape. Without the package (and no way to install it) the suite says
 * why and is skipped.
 */
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { spawnAgent } from "../support/agent-process.js";
import { postChatCompletion, waitForModel } from "../support/edge-client.js";
import { type FakeOpenAIServer, startFakeOpenAI } from "../support/fake-openai-server.js";
import { freePort } from "../support/free-port.js";
import { type LocalEdge, REPO_ROOT, startLocalEdge } from "../support/local-edge.js";
import { type ManagedProcess, spawnManaged } from "../support/managed-process.js";
import { prometheusTools, promtool } from "../support/prometheus-tools.js";

const MODEL = "llama-3.1-8b-instruct";
const ZONE = "eu-stockholm";
const METRICS_TOKEN = "e2e-metrics-token-0123456789abcdef";
const tools = prometheusTools();
if (!tools.ok) console.warn(`skipping the Prometheus end-to-end test: ${tools.reason}`);

let workDir = "";
let fake: FakeOpenAIServer | undefined;
let edge: LocalEdge | undefined;
let agent: ManagedProcess | undefined;
let prometheus: ManagedProcess | undefined;
let promUrl = "";

/** Polls `check` every 250 ms until it returns a value; throws naming `what` after `limitMs`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, limitMs = 60_000): Promise<T> {
	const deadline = Date.now() + limitMs;
	for (;;) {
		const value = await check().catch(() => undefined);
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

/** The single value of an instant query, or undefined when it has no sample. */
async function query(promql: string): Promise<number | undefined> {
	const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
	const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
	if (body.status !== "success") throw new Error(`query ${promql}: ${JSON.stringify(body)}`);
	const value = body.data.result[0]?.value[1];
	return value === undefined ? undefined : Number(value);
}

function printLogs(): void {
	const tail = (name: string, lines: string[]) => `--- ${name} (last 40 lines)\n${lines.slice(-40).join("\n")}`;
	console.error(
		[
			edge ? tail("wrangler", edge.logs()) : "",
			agent ? tail(agent.name, agent.logs) : "",
			prometheus ? tail("prometheus", prometheus.logs) : "",
		].join("\n"),
	);
}

describe.skipIf(!tools.ok)("Prometheus scrapes the edge", () => {
	beforeAll(async () => {
		if (!tools.ok) return;
		workDir = await mkdtemp(join(tmpdir(), "arcnet-prom-"));
		try {
			fake = await startFakeOpenAI({ models: [MODEL], tokenDelayMs: 2 });
			edge = await startLocalEdge({
				persistDir: join(workDir, "state"),
				vars: { ARCNET_METRICS_TOKEN: METRICS_TOKEN },
			});
			agent = await spawnAgent(edge, {
				name: "prom-agent",
				zoneId: ZONE,
				stateDir: join(workDir, "agent"),
				backend: { kind: "openai", url: fake.url },
				slots: 2,
			});
			await waitForModel(edge, MODEL, 45_000);
			const promPort = await freePort();
			promUrl = `http://127.0.0.1:${promPort}`;
			await writeFile(join(workDir, "token"), METRICS_TOKEN);
			await copyFile(join(REPO_ROOT, "ops", "alerts.yml"), join(workDir, "alerts.yml"));
			await writeFile(
				join(workDir, "prometheus.yml"),
				[
					"global:",
					"  scrape_interval: 1s",
					"  evaluation_interval: 1s",
					"rule_files: [alerts.yml]",
					"scrape_configs:",
					"  - job_name: arcnet-edge",
					"    metrics_path: /metrics",
					"    authorization:",
					`      credentials_file: ${join(workDir, "token")}`,
					"    static_configs:",
					`      - targets: ["127.0.0.1:${edge.port}"]`,
					"",
				].join("\n"),
			);
			prometheus = spawnManaged({
				name: "prometheus",
				command: tools.prometheus,
				args: [
					`--config.file=${join(workDir, "prometheus.yml")}`,
					`--storage.tsdb.path=${join(workDir, "tsdb")}`,
					`--web.listen-address=127.0.0.1:${promPort}`,
					"--log.level=warn",
				],
				cwd: workDir,
			});
			const target = await until("the edge target to be up", async () => {
				const res = await fetch(`${promUrl}/api/v1/targets`);
				const body = (await res.json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
				const t = body.data.activeTargets[0];
				return t?.health === "up" ? t : undefined;
			});
			expect(target.lastError).toBe("");
		} catch (err) {
			printLogs();
			throw err;
		}
	}, 180_000);

	beforeEach(({ onTestFailed }) => {
		onTestFailed(printLogs);
	});

	afterAll(async () => {
		await prometheus?.stop(10_000);
		await agent?.stop(15_000);
		await edge?.stop();
		await fake?.close();
		if (workDir) await rm(workDir, { recursive: true, force: true });
	});

	it("sees the job, token and latency counters move after a request", async () => {
		const live = await until("the zone's live node in Prometheus", async () => {
			const n = await query(`arcnet_zone_live_nodes{zone="${ZONE}"}`);
			return n !== undefined && n >= 1 ? n : undefined;
		});
		expect(live).toBe(1);
		const jobs = `sum(arcnet_zone_jobs_total{zone="${ZONE}",outcome="succeeded"}) or vector(0)`;
		const before = (await query(jobs)) ?? 0;
		const res = await postChatCompletion(edge as LocalEdge, {
			model: MODEL,
			messages: [{ role: "user", content: "count me" }],
		});
		expect(res.status, await res.text()).toBe(200);
		const after = await until("the succeeded job in Prometheus", async () => {
			const n = await query(jobs);
			return n !== undefined && n >= before + 1 ? n : undefined;
		});
		expect(after).toBe(before + 1);
		expect(await query(`sum(arcnet_tenant_tokens_total{tenant="tenant_dev",direction="out"})`)).toBeGreaterThan(0);
		expect(await query(`sum(arcnet_zone_ttft_seconds_count{zone="${ZONE}"})`)).toBeGreaterThanOrEqual(1);
		expect(await query("count(arcnet_node_slots)")).toBe(1);
	});

	it("loads the alert rules, all healthy", async () => {
		const res = await fetch(`${promUrl}/api/v1/rules`);
		const body = (await res.json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
		const rules = body.data.groups.flatMap((g) => g.rules);
		expect(rules.length).toBeGreaterThanOrEqual(9);
		await until("every rule evaluated", async () => {
			const again = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as typeof body;
			const all = again.data.groups.flatMap((g) => g.rules);
			return all.every((r) => r.health === "ok") ? true : undefined;
		});
	});

	it("answers a scrape that promtool check metrics accepts", async () => {
		if (!tools.ok || !edge) return;
		const scrape = await fetch(`${edge.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
		expect(scrape.status).toBe(200);
		const text = await scrape.text();
		expect(text).toContain("arcnet_zone_jobs_total");
		const checked = promtool(tools, ["check", "metrics"], text);
		expect(checked.output).toBe("");
		expect(checked.status).toBe(0);
	});
});
