/**
 * `npm run bench:cold-start`: what a cold isolate of the production Worker
 * costs under workerd, for the bundle as `wrangler deploy --dry-run` builds
 * it, unminified and minified, beside an empty Worker with the same
 * bindings and (empty) Durable Object classes: workerd's own start, the floor. Each run starts a fresh workerd through Miniflare with fresh
 * state and times: Miniflare's start until workerd serves (process start,
 * config, the script's parse and top-level evaluation), the first GET
 * /healthz (the first request compiles the functions it runs), and a second
 * one (warm); and, in a fresh Node process, V8's compile and top-level
 * evaluation of the same file (bench/v8-module-cost.ts): the script's own
 * share, which workerd's start hides on a busy machine. Variants are interleaved, so drift on the machine hits each
 * alike. Reports bundle sizes, raw and gzipped. Writes
 * bench/results/cold-start.json.
 *
 * Options: --runs N per variant (default 7).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { Miniflare } from "miniflare";
import { z } from "zod";
import { intFlag, parseFlagsOrExit } from "../scripts/cli-flags.js";
import { REPO_ROOT } from "../test/support/local-edge.js";
import { buildWorkerBundle, edgeWorkerOptions } from "../test/support/miniflare-edge.js";
import { readWranglerConfig } from "../test/support/wrangler-toml.js";
import { type Summary, summarize } from "./stats.js";
import { v8ModuleCost } from "./v8-module-cost.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
const args = parseFlagsOrExit(z.object({ runs: intFlag("runs", 1, 100) }), { runs: values.runs });

const wrangler = readWranglerConfig(join(REPO_ROOT, "wrangler.toml"));

/** A Worker with nothing in it but the Durable Object classes wrangler.toml binds. */
const EMPTY_WORKER = [
	'import { DurableObject } from "cloudflare:workers";',
	...wrangler.durableObjects.map((d) => `export class ${d.class_name} extends DurableObject {}`),
	"export default { fetch() { return Response.json({ ok: true }); } };",
	"",
].join("\n");

interface Variant {
	label: string;
	scriptPath: string;
	bundleDir: string;
	rawBytes: number;
	gzipBytes: number;
	startMs: number[];
	firstRequestMs: number[];
	secondRequestMs: number[];
	statuses: number[];
	compileMs: number[];
	evaluateMs: number[];
}

function variant(label: string, scriptPath: string, bundleDir: string): Variant {
	const code = readFileSync(scriptPath);
	const sizes = { rawBytes: code.byteLength, gzipBytes: gzipSync(code).byteLength };
	return {
		label,
		scriptPath,
		bundleDir,
		...sizes,
		startMs: [],
		firstRequestMs: [],
		secondRequestMs: [],
		statuses: [],
		compileMs: [],
		evaluateMs: [],
	};
}

const timedGet = async (url: string): Promise<{ ms: number; status: number }> => {
	const t = performance.now();
	const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
	await res.arrayBuffer();
	return { ms: performance.now() - t, status: res.status };
};

/** One cold start of `v` on fresh state. */
async function coldStart(v: Variant, workDir: string): Promise<void> {
	const cost = await v8ModuleCost(v.scriptPath);
	v.compileMs.push(cost.compileMs);
	v.evaluateMs.push(cost.evaluateMs);
	const persistDir = mkdtempSync(join(workDir, "state-"));
	const options = edgeWorkerOptions(wrangler, {
		scriptPath: v.scriptPath,
		bundleDir: v.bundleDir,
		persistDir,
		port: 0,
		directPort: 0,
		bindings: { ARCNET_DEV_API_KEY: "sk-cold-start-dev-key", ARCNET_ADMIN_KEY: "sk-cold-start-admin-key" },
	});
	const t = performance.now();
	const mf = new Miniflare(options);
	try {
		await mf.ready;
		const url = (await mf.unsafeGetDirectURL()).origin;
		v.startMs.push(performance.now() - t);
		const first = await timedGet(`${url}/healthz`);
		v.firstRequestMs.push(first.ms);
		v.statuses.push(first.status);
		v.secondRequestMs.push((await timedGet(`${url}/healthz`)).ms);
	} finally {
		await mf.dispose();
		rmSync(persistDir, { recursive: true, force: true });
	}
}

async function main(): Promise<void> {
	const workDir = mkdtempSync(join(tmpdir(), "arcnet-cold-start-"));
	try {
		console.log("building the bundle, unminified and minified (wrangler deploy --dry-run)");
		const plainDir = join(workDir, "plain");
		const minDir = join(workDir, "minified");
		const emptyDir = join(workDir, "empty");
		mkdirSync(emptyDir);
		writeFileSync(join(emptyDir, "index.js"), EMPTY_WORKER);
		const variants = [
			variant("empty Worker (the floor)", join(emptyDir, "index.js"), emptyDir),
			variant("bundle, unminified", await buildWorkerBundle(plainDir, false), plainDir),
			variant("bundle, minified", await buildWorkerBundle(minDir, true), minDir),
		];
		console.log(`${args.runs} cold starts per variant, interleaved`);
		for (let i = 0; i < args.runs; i++) for (const v of variants) await coldStart(v, workDir);
		const rows = variants.map((v) => ({
			label: v.label,
			rawKiB: Math.round(v.rawBytes / 1024),
			gzipKiB: Math.round(v.gzipBytes / 1024),
			start: summarize(v.startMs),
			firstRequest: summarize(v.firstRequestMs),
			secondRequest: summarize(v.secondRequestMs),
			v8Compile: summarize(v.compileMs),
			v8Evaluate: summarize(v.evaluateMs),
			statuses: [...new Set(v.statuses)],
		}));
		const cell = (s: Summary) => `${s.p50.toFixed(1)} / ${s.max.toFixed(1)}`.padStart(17);
		const heads = ["start", "1st req", "2nd req", "V8 compile", "V8 evaluate"];
		console.log(
			`\n${"p50 / max, ms".padEnd(36)}${"raw KiB".padStart(8)}${"gzip KiB".padStart(9)}${heads.map((h) => h.padStart(17)).join("")}`,
		);
		for (const r of rows) {
			const sizes = `${String(r.rawKiB).padStart(8)}${String(r.gzipKiB).padStart(9)}`;
			const cells = [r.start, r.firstRequest, r.secondRequest, r.v8Compile, r.v8Evaluate].map(cell).join("");
			console.log(`${r.label.padEnd(36)}${sizes}${cells}`);
		}
		const host = { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, loadavg1m: loadavg()[0] ?? 0 };
		console.log(
			"\nstart: new Miniflare() until workerd serves (process, config, parse and top-level evaluation);",
			"\n1st req: the first GET /healthz of the fresh isolate; 2nd req: the next one (warm);",
			"\nV8 compile / evaluate: the bundle as a module in a fresh Node process, compiled, then its top level run.",
			`\nhost: ${host.cpu}, ${host.cores} cores, load average ${host.loadavg1m.toFixed(2)}`,
		);
		const outDir = join(REPO_ROOT, "bench", "results");
		mkdirSync(outDir, { recursive: true });
		const result = { ranAt: new Date().toISOString(), host, runs: args.runs, variants: rows };
		writeFileSync(join(outDir, "cold-start.json"), `${JSON.stringify(result, null, 2)}\n`);
		console.log("wrote bench/results/cold-start.json");
	} finally {
		rmSync(workDir, { recursive: true, force: true });
	}
}

main().catch((err: unknown) => {
	console.error(`bench:cold-start failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
	process.exit(1);
});
