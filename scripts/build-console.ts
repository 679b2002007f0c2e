/**
 * Builds the operations console into console/dist/console/ (Workers static
 * assets, served by the Worker under /console): one minified ES module with
 * the world map inlined, its stylesheet and index.html. Prints the first
 * load's size, raw and gzip-compressed; refuses a build whose compressed
 * first load passes FIRST_LOAD_BUDGET_BYTES (docs/console.md).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The assets directory wrangler.toml's [assets] names. */
export const CONSOLE_DIST = join(root, "console", "dist");
const out = join(CONSOLE_DIST, "console");
/** The first load (HTML, CSS, script) must stay under this many gzip-compressed bytes. */
export const FIRST_LOAD_BUDGET_BYTES = 300 * 1024;

/** The files of the first load and their raw and gzip sizes. */
export function firstLoadSize(): { files: { name: string; raw: number; gzip: number }[]; raw: number; gzip: number } {
	const files = ["index.html", "app.css", "app.js"].map((name) => {
		const bytes = readFileSync(join(out, name));
		return { name, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
	});
	return { files, raw: files.reduce((s, f) => s + f.raw, 0), gzip: files.reduce((s, f) => s + f.gzip, 0) };
}

/** Bundles and copies the console; returns the first load's size. */
export async function buildConsole(): Promise<ReturnType<typeof firstLoadSize>> {
	rmSync(CONSOLE_DIST, { recursive: true, force: true });
	mkdirSync(out, { recursive: true });
	await build({
		entryPoints: [join(root, "console", "src", "main.ts")],
		outfile: join(out, "app.js"),
		bundle: true,
		format: "esm",
		target: "es2022",
		minify: true,
		legalComments: "none",
		logLevel: "warning",
	});
	copyFileSync(join(root, "console", "index.html"), join(out, "index.html"));
	copyFileSync(join(root, "console", "app.css"), join(out, "app.css"));
	const size = firstLoadSize();
	if (size.gzip > FIRST_LOAD_BUDGET_BYTES) {
		throw new Error(`console first load is ${size.gzip} bytes compressed; the budget is ${FIRST_LOAD_BUDGET_BYTES}`);
	}
	return size;
}

/**
 * Builds the console unless a build is there already: wrangler refuses to
 * start (dev, deploy, the workerd tests) while [assets].directory is missing.
 */
export async function ensureConsoleBuilt(): Promise<void> {
	if (!existsSync(join(out, "app.js"))) await buildConsole();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	const size = await buildConsole();
	for (const f of size.files) console.log(`console/${f.name}: ${f.raw} B, ${f.gzip} B gzip`);
	console.log(`console first load: ${size.raw} B, ${size.gzip} B gzip (budget ${FIRST_LOAD_BUDGET_BYTES})`);
}
