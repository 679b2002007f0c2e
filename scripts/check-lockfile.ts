/**
 * CI's lockfile check, run right after `npm install` on a clean clone: fails
 * when package-lock.json lacks a platform's native packages (workerd, Biome,
 * esbuild for linux, darwin and win32), or when the install rewrote it, which
 * would leave every new clone with a dirty tree.
 *
 *   tsx scripts/check-lockfile.ts
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { missingPlatforms } from "./lockfile-platforms.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const problems = missingPlatforms(JSON.parse(readFileSync(`${ROOT}/package-lock.json`, "utf8")));
const changed = execFileSync("git", ["status", "--porcelain", "--", "package-lock.json"], {
	cwd: ROOT,
	encoding: "utf8",
});
if (changed.trim() !== "") {
	problems.push(
		"npm install changed package-lock.json: commit the lockfile exactly as npm writes it (tab-indented, every platform)",
	);
}
for (const line of problems) console.error(`check-lockfile: ${line}`);
if (problems.length > 0) process.exit(1);
console.log("check-lockfile: every platform is listed and npm install left the lockfile unchanged");
