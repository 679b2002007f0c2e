/**
 * Bundles the agent into one dependency-free ESM file (zod/mini inlined)
 * that runs on Node >= 20: node-agent/dist/arcnet-agent.mjs, with
 * docs/agent.md beside it (the page the systemd unit's Documentation= names,
 * shipped by both install methods). Run with `npm run build:agent`; tests
 * import buildAgent to bundle into a temp dir.
 */
import { copyFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));

/** Default output path of the bundle. */
export const DEFAULT_OUTFILE = join(here, "dist", "arcnet-agent.mjs");

/**
 * Classic zod brings all of itself (every schema type, JSON Schema, every
 * locale): about 300 KiB of bundle and 8 MB of an idle agent's RSS on Node 22.
 * The agent's schemas are written with zod/mini, which tree-shakes to what
 * they use; one classic import anywhere in the agent's graph would bring it
 * all back. Likewise an ES import of node:http, node:fs or node:util (see
 * node-agent/src/builtins.ts). A build that holds either is refused (docs/adr/0008).
 */
function refuseCostlyImports(metafile: Metafile): void {
	const problems: string[] = [];
	for (const [path, input] of Object.entries(metafile.inputs)) {
		if (path.includes("node_modules/zod/")) continue;
		for (const i of input.imports) {
			if (i.kind !== "import-statement") continue;
			if (/^zod(\/v4)?$/.test(i.original ?? ""))
				problems.push(`${path} imports classic zod: use src/protocol/zod-mini.ts`);
			if (/^(node:)?(http|fs|util)$/.test(i.path))
				problems.push(`${path} imports ${i.path}: take it from node-agent/src/builtins.ts`);
		}
	}
	if (Object.keys(metafile.inputs).some((path) => /node_modules\/zod\/(v4\/classic|v3)\//.test(path))) {
		problems.push("the bundle holds classic zod");
	}
	if (problems.length > 0) throw new Error(`agent bundle refused: ${problems.join("; ")}`);
}

/** Bundles src/cli.ts into `outfile` and copies docs/agent.md beside it; resolves with the bundle's size in bytes. */
export async function buildAgent(outfile: string = DEFAULT_OUTFILE): Promise<number> {
	const result = await build({
		entryPoints: [join(here, "src", "cli.ts")],
		outfile,
		bundle: true,
		platform: "node",
		target: "node20",
		format: "esm",
		// Bundled CommonJS (ws) calls require() for Node built-ins, which an ES module lacks: give it one.
		banner: {
			js: '#!/usr/bin/env node\nimport { createRequire as __arcnetCreateRequire } from "node:module";\nconst require = __arcnetCreateRequire(import.meta.url);',
		},
		// ws's optional native speed-ups; it falls back to JavaScript without them.
		external: ["bufferutil", "utf-8-validate"],
		minify: false,
		sourcemap: false,
		legalComments: "none",
		logLevel: "warning",
		metafile: true,
	});
	refuseCostlyImports(result.metafile);
	copyFileSync(join(here, "..", "docs", "agent.md"), join(dirname(outfile), "agent.md"));
	return statSync(outfile).size;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	const size = await buildAgent();
	process.stdout.write(`built ${DEFAULT_OUTFILE} (${(size / 1024).toFixed(1)} KiB)\n`);
}
