/**
 * Bundles the agent into one dependency-free ESM file (jose and zod inlined)
 * that runs on Node >= 20: node-agent/dist/arcnet-agent.mjs. Run with
 * `npm run build:agent`; tests import buildAgent to bundle into a temp dir.
 */
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));

/** Default output path of the bundle. */
export const DEFAULT_OUTFILE = join(here, "dist", "arcnet-agent.mjs");

/**
 * zod's namespace export `locales` pulls every language's error messages into
 * the bundle (about half of zod's code), which esbuild cannot tree-shake out
 * of a namespace. The agent only ever shows English messages, so the locales
 * index is replaced by one that exports `en` alone: a smaller bundle, and less
 * compiled code resident in an idle agent.
 */
const englishOnlyZodLocales: Plugin = {
	name: "zod-english-only",
	setup(b) {
		b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
			args.importer.includes(`${"node_modules"}/zod/`)
				? { path: join(dirname(args.importer), "..", "locales", "en.js"), namespace: "zod-en-only" }
				: undefined,
		);
		b.onLoad({ filter: /.*/, namespace: "zod-en-only" }, (args) => ({
			contents: `export { default as en } from ${JSON.stringify(args.path)};`,
			resolveDir: dirname(args.path),
		}));
	},
};

/** Bundles src/cli.ts into `outfile`; resolves with its size in bytes. */
export async function buildAgent(outfile: string = DEFAULT_OUTFILE): Promise<number> {
	await build({
		entryPoints: [join(here, "src", "cli.ts")],
		outfile,
		bundle: true,
		platform: "node",
		target: "node20",
		format: "esm",
		banner: { js: "#!/usr/bin/env node" },
		minify: false,
		sourcemap: false,
		legalComments: "none",
		logLevel: "warning",
		plugins: [englishOnlyZodLocales],
	});
	return statSync(outfile).size;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	const size = await buildAgent();
	process.stdout.write(`built ${DEFAULT_OUTFILE} (${(size / 1024).toFixed(1)} KiB)\n`);
}
