/**
 * `npm run lint`'s import-direction check: reads every import of src/,
 * durable-objects/ and node-agent/ (static, type-only and dynamic, through
 * TypeScript's own pre-processor) and fails naming each one that breaks a
 * rule of layer-rules.ts.
 *
 *   tsx scripts/check-layers.ts
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { importViolation } from "./layer-rules.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CHECKED = ["src", "durable-objects", "node-agent"];

function sourceFiles(dir: string): string[] {
	const out: string[] = [];
	for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
		const path = `${dir}/${entry.name}`;
		if (entry.isDirectory()) {
			if (entry.name !== "dist" && entry.name !== "node_modules") out.push(...sourceFiles(path));
		} else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) out.push(path);
	}
	return out;
}

/** The repository-relative source file a relative specifier names (`./x.js` is `./x.ts` on disk). */
function resolveSpecifier(from: string, specifier: string): string {
	const path = relative(ROOT, normalize(join(ROOT, dirname(from), specifier)))
		.split("\\")
		.join("/");
	return path.replace(/\.js$/, ".ts");
}

/** Every violation in the tree, one line each. */
export function findViolations(): string[] {
	const found: string[] = [];
	for (const file of CHECKED.flatMap(sourceFiles)) {
		const info = ts.preProcessFile(readFileSync(join(ROOT, file), "utf8"), true, true);
		for (const { fileName } of info.importedFiles) {
			if (!fileName.startsWith(".")) continue;
			const target = resolveSpecifier(file, fileName);
			if (target.startsWith("..")) {
				found.push(`${file} imports ${fileName}: a path outside the repository`);
				continue;
			}
			const problem = importViolation(file, target);
			if (problem) found.push(problem);
		}
	}
	return found;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const violations = findViolations();
	for (const line of violations) console.error(line);
	if (violations.length > 0) {
		console.error(`check-layers: ${violations.length} import(s) break the layering rule`);
		process.exit(1);
	}
	console.log("check-layers: imports follow the layering rule");
}
