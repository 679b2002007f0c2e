/**
 * The single-file install of docs/agent.md, run as written (with /usr/local
 * moved under a temp dir): the installed command runs on a Node that does not
 * detect ES module syntax by itself (Node 20.0 to 20.18; simulated here with
 * --no-experimental-detect-module), and the page the unit's Documentation=
 * names is installed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "../../node-agent/build.js";
import { AGENT_NODE } from "./agent-bundle-process.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The commands of the first `sh` block after "**Single file.**" in docs/agent.md. */
function singleFileSteps(): string[] {
	const doc = readFileSync(join(ROOT, "docs", "agent.md"), "utf8");
	const section = doc.slice(doc.indexOf("**Single file.**"));
	const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
	return block.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
}

/** The file the unit's Documentation= line points at. */
function unitDocumentationPath(): string {
	const unit = readFileSync(join(ROOT, "node-agent", "arcnet-agent.service"), "utf8");
	return /^Documentation=file:\/\/(\S+)$/m.exec(unit)?.[1] ?? "";
}

describe("single-file agent install", () => {
	let prefix = "";
	beforeAll(async () => {
		await buildAgent();
		prefix = mkdtempSync(join(tmpdir(), "arcnet-agent-install-"));
		// As on a host, where /usr/local/bin exists already.
		mkdirSync(join(prefix, "bin"));
		const steps = singleFileSteps();
		expect(steps.length).toBeGreaterThan(0);
		for (const step of steps) {
			execFileSync("sh", ["-c", step.replaceAll("/usr/local/", `${prefix}/`)], { cwd: ROOT, stdio: "pipe" });
		}
	}, 60_000);

	it("runs on a Node without ES module syntax detection", () => {
		const out = execFileSync(join(prefix, "bin", "arcnet-agent"), ["--version"], {
			env: {
				PATH: `${dirname(AGENT_NODE)}:${process.env.PATH ?? ""}`,
				NODE_OPTIONS: "--no-experimental-detect-module",
			},
			encoding: "utf8",
		});
		expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
	});

	it("installs the page the unit's Documentation= names", () => {
		const path = unitDocumentationPath();
		expect(path).toMatch(/^\/usr\/local\//);
		const installed = join(prefix, path.slice("/usr/local/".length));
		expect(existsSync(installed)).toBe(true);
		expect(readFileSync(installed, "utf8")).toBe(readFileSync(join(ROOT, "docs", "agent.md"), "utf8"));
	});
});
