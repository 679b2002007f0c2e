/**
 * The real edge Worker served by workerd directly, through the `miniflare`
 * package, with no `wrangler dev` in front. wrangler dev puts a dev proxy
 * worker and a live-reload layer before workerd, which costs a few ms per
 * HTTP traversal and does not exist in production; the benchmark measures the
 * edge here so its figure is the Worker's own cost. The code served is the
 * production bundle (`wrangler deploy --dry-run`), configured from
 * wrangler.toml, with migrations/ applied through Miniflare's own D1.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { ensureConsoleBuilt } from "../../scripts/build-console.js";
import {
	type LocalEdge,
	type LocalEdgeOptions,
	localEdgeOptionsSchema,
	OFFLINE_WRANGLER_ENV,
	REPO_ROOT,
} from "./local-edge.js";
import { LOCAL_LIMIT_VARS } from "./local-limits.js";
import { runToCompletion } from "./managed-process.js";
import { waitFor } from "./wait.js";
import { readWranglerConfig } from "./wrangler-toml.js";

const WRANGLER_BIN = join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const MIGRATIONS_DIR = join(REPO_ROOT, "migrations");
/** Most log lines kept from workerd; older lines are dropped first. */
const MAX_LOG_LINES = 5_000;

/** The edge under Miniflare: a LocalEdge plus direct access to its D1. */
export interface MiniflareEdge extends LocalEdge {
	/** Runs one SQL statement against the edge's D1 and returns its rows. */
	queryD1(sql: string): Promise<Record<string, unknown>[]>;
}

/**
 * Builds the production bundle (what `wrangler deploy` would upload) into `outDir`; returns its entry file.
 * `minify` overrides wrangler.toml's setting (the cold-start bench builds both).
 */
export async function buildWorkerBundle(outDir: string, minify?: boolean): Promise<string> {
	await ensureConsoleBuilt();
	const minifyFlag = minify === undefined ? [] : [minify ? "--minify" : "--no-minify"];
	await runToCompletion({
		name: "wrangler deploy --dry-run",
		command: process.execPath,
		args: [WRANGLER_BIN, "deploy", "--dry-run", "--outdir", outDir, ...minifyFlag],
		cwd: REPO_ROOT,
		env: OFFLINE_WRANGLER_ENV,
		timeoutMs: 120_000,
	});
	return join(outDir, "index.js");
}

/** The SQL statements of one drizzle-kit migration file (split on its breakpoints, comments-only chunks dropped). */
export function migrationStatements(sql: string): string[] {
	return sql
		.split("--> statement-breakpoint")
		.map((s) => s.trim())
		.filter((s) => s.replace(/^--.*$/gm, "").trim() !== "");
}

type D1 = Awaited<ReturnType<Miniflare["getD1Database"]>>;

/** Applies migrations/ in order, each file in one batch, skipping files recorded as applied (wrangler's d1_migrations table). */
export async function applyMigrations(db: D1): Promise<string[]> {
	await db
		.prepare(
			"CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)",
		)
		.run();
	const done = new Set(
		(await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>()).results.map((r) => r.name),
	);
	const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith(".sql")).sort();
	const applied: string[] = [];
	for (const file of files) {
		if (done.has(file)) continue;
		const statements = migrationStatements(await readFile(join(MIGRATIONS_DIR, file), "utf8"));
		await db.batch([
			...statements.map((s) => db.prepare(s)),
			db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(file),
		]);
		applied.push(file);
	}
	return applied;
}

/** Options of the Miniflare edge: those of any local edge, plus how clients reach the Worker. */
export type MiniflareEdgeOptions = LocalEdgeOptions & {
	/**
	 * Serve the Worker on a socket of its own (Miniflare's `unsafeDirectSockets`), so that requests
	 * reach it without passing Miniflare's entry worker, a JavaScript proxy that production does not
	 * have (it rewrites every request and response, about 1 ms of workerd's one thread per trip
	 * here). Default false: the entry worker is what wrangler dev users get too.
	 */
	directSocket?: boolean;
};

/** Where Miniflare serves the edge from and what the Worker is given. */
export interface EdgeWorkerSetup {
	scriptPath: string;
	bundleDir: string;
	persistDir: string;
	/** Port of Miniflare's entry socket (0 picks a free one). */
	port: number;
	/** Port of the Worker's own socket, when it has one (0 picks a free one). */
	directPort?: number;
	bindings: Record<string, string>;
	onLog?: (line: string) => void;
}

/** Miniflare's options for the edge Worker: wrangler.toml's compatibility settings, bindings, objects, D1 and R2. */
export function edgeWorkerOptions(wrangler: ReturnType<typeof readWranglerConfig>, setup: EdgeWorkerSetup) {
	return convertV4MiniflareOptions({
		host: "127.0.0.1",
		port: setup.port,
		// The fallback placeholder Request.cf: nothing is fetched from the internet.
		cf: false,
		// ARCNET_INSPECTOR_PORT=N opens workerd's V8 inspector on 127.0.0.1:N, for CPU profiles (docs/benchmarks.md).
		...(process.env.ARCNET_INSPECTOR_PORT ? { inspectorPort: Number(process.env.ARCNET_INSPECTOR_PORT) } : {}),
		...(setup.directPort !== undefined ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: setup.directPort }] } : {}),
		resourcePersistencePath: setup.persistDir,
		...(setup.onLog ? { handleStructuredLogs: ({ level, message }) => setup.onLog?.(`${level} ${message}`) } : {}),
		scriptPath: setup.scriptPath,
		modules: true,
		modulesRoot: setup.bundleDir,
		compatibilityDate: wrangler.compatibilityDate,
		compatibilityFlags: wrangler.compatibilityFlags,
		bindings: { ...wrangler.vars, ...setup.bindings },
		d1Databases: Object.fromEntries(wrangler.d1.map((d) => [d.binding, d.database_id])),
		r2Buckets: Object.fromEntries(wrangler.r2.map((b) => [b.binding, b.bucket_name])),
		durableObjects: Object.fromEntries(
			wrangler.durableObjects.map((d) => [d.name, { className: d.class_name, useSQLite: true }]),
		),
	});
}

/** Builds the bundle, starts it under workerd on 127.0.0.1, applies migrations and waits until /healthz answers. */
export async function startMiniflareEdge(options: MiniflareEdgeOptions = {}): Promise<MiniflareEdge> {
	const config = localEdgeOptionsSchema.parse(options);
	const persistDir = config.persistDir ?? (await mkdtemp(join(tmpdir(), "arcnet-mf-edge-")));
	const devApiKey = config.devApiKey ?? `sk-arcnet-test-${randomBytes(12).toString("hex")}`;
	const adminKey = config.adminKey ?? `sk-arcnet-admin-${randomBytes(12).toString("hex")}`;
	const wrangler = readWranglerConfig(join(REPO_ROOT, "wrangler.toml"));
	const bundleDir = await mkdtemp(join(tmpdir(), "arcnet-bundle-"));
	const scriptPath = await buildWorkerBundle(bundleDir);
	const logs: string[] = [];
	const keep = (line: string) => {
		logs.push(line);
		if (logs.length > MAX_LOG_LINES) logs.shift();
		options.onLine?.(line);
	};

	let port = config.port ?? 0;
	let directPort = 0;
	let mf: Miniflare | undefined;
	let url = "";
	const start = async (): Promise<void> => {
		const current = new Miniflare(
			edgeWorkerOptions(wrangler, {
				scriptPath,
				bundleDir,
				persistDir,
				port,
				...(options.directSocket ? { directPort } : {}),
				bindings: { ...LOCAL_LIMIT_VARS, ...config.vars, ARCNET_DEV_API_KEY: devApiKey, ARCNET_ADMIN_KEY: adminKey },
				onLog: keep,
			}),
		);
		mf = current;
		try {
			const ready = await current.ready;
			port = Number(ready.port);
			url = `http://127.0.0.1:${port}`;
			if (options.directSocket) {
				const direct = await current.unsafeGetDirectURL();
				directPort = Number(direct.port);
				url = `http://127.0.0.1:${directPort}`;
			}
			if (config.migrate) {
				for (const file of await applyMigrations(await current.getD1Database(wrangler.d1[0]?.binding ?? "DB")))
					keep(`applied migration ${file}`);
			}
			await waitFor(
				`the Worker's /healthz on ${url}`,
				async () => {
					const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
					return res.ok ? true : undefined;
				},
				{ timeoutMs: config.startTimeoutMs, intervalMs: 250 },
			);
		} catch (err) {
			await current.dispose().catch(() => undefined);
			mf = undefined;
			throw err;
		}
	};
	const dispose = async (): Promise<void> => {
		const current = mf;
		mf = undefined;
		if (current) await current.dispose();
	};
	try {
		await start();
	} catch (err) {
		await rm(bundleDir, { recursive: true, force: true });
		throw err;
	}
	return {
		get url() {
			return url;
		},
		get port() {
			return options.directSocket ? directPort : port;
		},
		persistDir,
		devApiKey,
		adminKey,
		logs: () => logs,
		// The bundle is only needed while the edge may restart; the persist directory stays for the caller.
		stop: async () => {
			await dispose();
			await rm(bundleDir, { recursive: true, force: true });
		},
		restart: async () => {
			await dispose();
			await start();
		},
		queryD1: async (sql) => {
			if (!mf) throw new Error("queryD1: the Miniflare edge is stopped");
			const db = await mf.getD1Database(wrangler.d1[0]?.binding ?? "DB");
			return (await db.prepare(sql).all<Record<string, unknown>>()).results;
		},
	};
}
