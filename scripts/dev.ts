/**
 * `npm run dev`: the whole system on one machine, offline. It builds the agent
 * bundle when stale, creates .dev.vars on first run, applies the local D1
 * migrations, starts the Worker with `wrangler dev` on http://127.0.0.1:8787
 * and a simulated fleet of agents in six zones, fires the carbon Cron Trigger
 * once and then every 5 minutes (wrangler dev does not), and prints how to
 * call it.
 * Ctrl-C or SIGTERM drains the agents, stops wrangler and exits 0; a second
 * signal kills everything at once.
 *
 * Options: --port N (default 8787).
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { waitForModel } from "../test/support/edge-client.js";
import { applyLocalMigrations, type LocalEdge, REPO_ROOT, startLocalEdge } from "../test/support/local-edge.js";
import type { ManagedProcess } from "../test/support/managed-process.js";
import { ensureAgentBundle } from "./agent-bundle.js";
import { intFlag, parseFlagsOrExit } from "./cli-flags.js";
import { startCarbonCron } from "./dev-carbon-cron.js";
import { DEV_MODELS, devFleet, specsWithValidIdentity, startFleet } from "./dev-fleet.js";
import { ensureDevVars } from "./dev-vars.js";

/** Where wrangler keeps local D1 and Durable Object state (its default for `wrangler dev`). */
const PERSIST_DIR = join(REPO_ROOT, ".wrangler", "state");
/** Agent identities of the simulated fleet. */
const DEV_DIR = join(REPO_ROOT, ".arcnet-dev");

const { values } = parseArgs({ options: { port: { type: "string", default: "8787" } } });
const port = parseFlagsOrExit(intFlag("port", 1, 65_535), values.port);

const colors = [36, 33, 35, 32, 34, 91, 93, 95, 96];
const width = 18;
function printer(name: string, index: number): (line: string) => void {
	const tty = process.stdout.isTTY;
	const label = `[${name}]`.padEnd(width);
	const prefix = tty ? `\x1b[${colors[index % colors.length]}m${label}\x1b[0m ` : `${label} `;
	return (line) => process.stdout.write(`${prefix}${line}\n`);
}
const say = printer("dev", 0);

/** Successful agent polls and heartbeats arrive several times a second from six agents; they would drown the useful lines. */
function quietAgentTraffic(print: (line: string) => void): (line: string) => void {
	const routine = /\b(POST \/agent\/v1\/(poll|telemetry)) 2\d\d\b/;
	return (line) => {
		if (!routine.test(line)) print(line);
	};
}

let edge: LocalEdge | undefined;
let agents: ManagedProcess[] = [];
let stopCarbonCron: (() => void) | undefined;
let stopping = false;
let firstSignalAt = 0;

async function shutdown(signal: string): Promise<void> {
	// Ctrl-C reaches this process twice: from the terminal and relayed by tsx. Only a later one means "force".
	if (stopping && Date.now() - firstSignalAt < 1_000) return;
	if (stopping) {
		say(`${signal} again: killing everything now`);
		await Promise.all([...agents.map((a) => a.kill())]);
		await edge?.stop();
		process.exit(1);
	}
	stopping = true;
	firstSignalAt = Date.now();
	stopCarbonCron?.();
	say(`${signal}: draining ${agents.length} agents, then stopping wrangler (signal again to force)`);
	await Promise.all(agents.map((a) => a.stop(40_000)));
	await edge?.stop();
	say("stopped");
	process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

async function main(): Promise<void> {
	const built = await ensureAgentBundle(printer("build:agent", 1));
	say(built ? "built node-agent/dist/arcnet-agent.mjs" : "agent bundle is up to date");
	const { vars, created, path } = ensureDevVars(REPO_ROOT);
	say(created ? `created ${path} with a new dev API key` : `using keys from ${path}`);

	const url = `http://127.0.0.1:${port}`;
	const agentLines = new Map<string, (line: string) => void>();
	const specs = devFleet(DEV_DIR, (name, line) => {
		let print = agentLines.get(name);
		if (!print) {
			print = printer(name, agentLines.size + 3);
			agentLines.set(name, print);
		}
		print(line);
	});
	say("applying local D1 migrations and checking stored agent identities");
	await applyLocalMigrations(PERSIST_DIR);
	const valid = await specsWithValidIdentity(PERSIST_DIR, url, specs);

	say(`starting wrangler dev on ${url}`);
	edge = await startLocalEdge({
		persistDir: PERSIST_DIR,
		port,
		devApiKey: vars.ARCNET_DEV_API_KEY,
		adminKey: vars.ARCNET_ADMIN_KEY,
		// Local webhook receivers (http://127.0.0.1) are allowed in dev only; wrangler.toml keeps "false".
		vars: { WEBHOOK_ALLOW_LOOPBACK_HTTP: "true" },
		migrate: false,
		onLine: quietAgentTraffic(printer("wrangler", 2)),
	});
	if (stopping) return;
	stopCarbonCron = startCarbonCron(url, printer("carbon-cron", 1));
	agents = await startFleet(edge, specs, valid, say);
	for (const agent of agents) {
		agent.exited.then((status) => {
			if (!stopping) say(`${agent.name} exited unexpectedly (${status}); see its lines above`);
		});
	}
	await waitForModel(edge, DEV_MODELS[0], 60_000);

	const banner = [
		"",
		"ArcNet Edge is running locally.",
		`  URL:      ${url}/v1   (OpenAI-compatible)`,
		`  API key:  ${vars.ARCNET_DEV_API_KEY}`,
		`  Models:   ${DEV_MODELS.join(", ")} (simulated, ${specs.length} agents in ${specs.map((s) => s.zoneId).join(", ")})`,
		`  Console:  ${url}/console   (sign in with the admin key below)`,
		`  Admin key: ${vars.ARCNET_ADMIN_KEY}   (ARCNET_ADMIN_KEY in .dev.vars; state in .wrangler/state and .arcnet-dev/)`,
		"",
		"  Try:",
		`  curl -s ${url}/v1/chat/completions \\`,
		`    -H "authorization: Bearer ${vars.ARCNET_DEV_API_KEY}" -H "content-type: application/json" \\`,
		`    -d '{"model":"${DEV_MODELS[0]}","messages":[{"role":"user","content":"Hello"}]}'`,
		"",
		"  Ctrl-C stops everything.",
		"",
	];
	for (const line of banner) say(line);
}

main().catch(async (err: unknown) => {
	say(`failed: ${err instanceof Error ? err.message : String(err)}`);
	await Promise.all(agents.map((a) => a.kill()));
	await edge?.stop();
	process.exit(1);
});
