/**
 * The real edge Worker, run locally with `wrangler dev` against a local D1
 * and Durable Object state in one persist directory. It is what the
 * end-to-end tests, the benchmark and `npm run dev` talk to. Offline by
 * design: the Request.cf lookup is disabled and telemetry is off, so no step
 * needs the internet. `restart()` keeps the persist directory, so jobs and
 * enrolled nodes survive as they would across a deploy.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ensureConsoleBuilt } from "../../scripts/build-console.js";
import { freePort } from "./free-port.js";
import { LOCAL_LIMIT_VARS } from "./local-limits.js";
import { type ManagedProcess, runToCompletion, spawnManaged } from "./managed-process.js";
import { waitFor } from "./wait.js";

/** The repository root: wrangler.toml, migrations/ and node_modules/ live here. */
export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const WRANGLER_BIN = join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

/** Environment for every wrangler child: no metrics, no Request.cf fetch, no prompts. */
export const OFFLINE_WRANGLER_ENV: Record<string, string> = {
	WRANGLER_SEND_METRICS: "false",
	CLOUDFLARE_CF_FETCH_ENABLED: "false",
	CI: "true",
	NO_COLOR: "1",
	FORCE_COLOR: "0",
};

/** Options of a local edge (wrangler dev or Miniflare): state dir, port, keys, vars, migrations, start timeout. */
export const localEdgeOptionsSchema = z.object({
	/** State directory for D1 and Durable Objects; default: a new temp dir. */
	persistDir: z.string().min(1).optional(),
	/** Port on 127.0.0.1; default: a free one. */
	port: z.number().int().min(1).max(65_535).optional(),
	/** Client API key (ARCNET_DEV_API_KEY); default: a random sk-arcnet-test-… key. */
	devApiKey: z.string().min(8).optional(),
	/** Admin API key (ARCNET_ADMIN_KEY); default: a random one. */
	adminKey: z.string().min(8).optional(),
	/** Extra or overriding Worker vars, e.g. { LEASE_MS: "5000" }. */
	vars: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string()).default({}),
	/** Apply migrations/ before starting; default true. */
	migrate: z.boolean().default(true),
	/** Most ms to wait for /healthz after start; default 60,000. */
	startTimeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
});
export type LocalEdgeOptions = z.input<typeof localEdgeOptionsSchema> & {
	/** Receives each output line of wrangler (e.g. to print it with a prefix). */
	onLine?: (line: string) => void;
};

/** A locally running edge Worker. */
export interface LocalEdge {
	readonly url: string;
	readonly port: number;
	readonly persistDir: string;
	readonly devApiKey: string;
	readonly adminKey: string;
	/** wrangler's output lines of the current run. */
	logs(): string[];
	/** Stops wrangler and workerd (SIGTERM, then SIGKILL after 10 s). */
	stop(): Promise<void>;
	/** Stops and starts again on the same port with the same state. */
	restart(): Promise<void>;
}

/** Applies migrations/ to the local D1 in `persistDir` (idempotent). */
export async function applyLocalMigrations(persistDir: string): Promise<void> {
	await runToCompletion({
		name: "d1-migrations",
		command: process.execPath,
		args: [WRANGLER_BIN, "d1", "migrations", "apply", "arcnet", "--local", "--persist-to", persistDir],
		cwd: REPO_ROOT,
		env: OFFLINE_WRANGLER_ENV,
		timeoutMs: 120_000,
	});
}

/** Runs one SQL statement against the local D1 in `persistDir` and returns its rows. */
export async function queryLocalD1(persistDir: string, sql: string): Promise<Record<string, unknown>[]> {
	const lines = await runToCompletion({
		name: "d1-execute",
		command: process.execPath,
		args: [WRANGLER_BIN, "d1", "execute", "arcnet", "--local", "--persist-to", persistDir, "--json", "--command", sql],
		cwd: REPO_ROOT,
		env: OFFLINE_WRANGLER_ENV,
		timeoutMs: 120_000,
	});
	const text = lines.join("\n");
	const start = text.indexOf("[");
	if (start < 0) throw new Error(`d1 execute: no JSON in output:\n${text}`);
	const parsed = z
		.array(z.object({ results: z.array(z.record(z.string(), z.unknown())) }))
		.parse(JSON.parse(text.slice(start)));
	return parsed.flatMap((r) => r.results);
}

/** Applies migrations, starts `wrangler dev` on 127.0.0.1 and waits until /healthz answers. */
export async function startLocalEdge(options: LocalEdgeOptions = {}): Promise<LocalEdge> {
	const config = localEdgeOptionsSchema.parse(options);
	const persistDir = config.persistDir ?? (await mkdtemp(join(tmpdir(), "arcnet-edge-")));
	const port = config.port ?? (await freePort());
	const devApiKey = config.devApiKey ?? `sk-arcnet-test-${randomBytes(12).toString("hex")}`;
	const adminKey = config.adminKey ?? `sk-arcnet-admin-${randomBytes(12).toString("hex")}`;
	const url = `http://127.0.0.1:${port}`;
	const vars = { ...LOCAL_LIMIT_VARS, ...config.vars, ARCNET_DEV_API_KEY: devApiKey, ARCNET_ADMIN_KEY: adminKey };
	await ensureConsoleBuilt();
	if (config.migrate) await applyLocalMigrations(persistDir);

	let proc: ManagedProcess | undefined;
	const start = async (): Promise<void> => {
		const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
		const current = spawnManaged({
			name: "wrangler",
			command: process.execPath,
			args: [
				WRANGLER_BIN,
				"dev",
				"--ip",
				"127.0.0.1",
				"--port",
				String(port),
				"--persist-to",
				persistDir,
				"--show-interactive-dev-session=false",
				"--inspector-port",
				String(await freePort()),
				...varArgs,
			],
			cwd: REPO_ROOT,
			env: OFFLINE_WRANGLER_ENV,
			onLine: options.onLine,
		});
		proc = current;
		try {
			await waitFor(
				`the Worker's /healthz on ${url}`,
				async () => {
					if (!current.isRunning()) throw new Error(`wrangler exited:\n${current.logs.slice(-30).join("\n")}`);
					const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
					return res.ok ? true : undefined;
				},
				{ timeoutMs: config.startTimeoutMs, intervalMs: 250 },
			);
		} catch (err) {
			await current.kill();
			throw err;
		}
	};
	const stop = async (): Promise<void> => {
		if (proc) await proc.stop();
	};
	await start();
	return {
		url,
		port,
		persistDir,
		devApiKey,
		adminKey,
		logs: () => proc?.logs ?? [],
		stop,
		restart: async () => {
			await stop();
			await start();
		},
	};
}
