/**
 * The agent installs the way docs/agent.md says: `npm pack` in node-agent/
 * gives a tarball with the bundle and the systemd unit, `npm install -g` of
 * it puts a working `arcnet-agent` on the PATH. Set
 * ARCNET_AGENT_TEST_NODE=/usr/bin/node to check it on Node 20.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildAgent } from "../../node-agent/build.js";

const AGENT_NODE = process.env.ARCNET_AGENT_TEST_NODE || process.execPath;
const AGENT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "node-agent");

describe("agent package", () => {
	it("packs the bundle and the unit file, and installs globally with a working arcnet-agent bin", async () => {
		await buildAgent();
		const out = mkdtempSync(join(tmpdir(), "arcnet-agent-pack-"));
		const env = {
			...process.env,
			PATH: `${dirname(AGENT_NODE)}:${process.env.PATH ?? ""}`,
			npm_config_loglevel: "error",
		};
		const packed = JSON.parse(
			execFileSync("npm", ["pack", "--json", "--pack-destination", out], { cwd: AGENT_DIR, env, encoding: "utf8" }),
		) as { filename: string; files: { path: string }[] }[];
		const files = packed[0]?.files.map((f) => f.path).sort();
		expect(files).toEqual(["arcnet-agent.service", "dist/agent.md", "dist/arcnet-agent.mjs", "package.json"]);
		const prefix = join(out, "prefix");
		execFileSync(
			"npm",
			[
				"install",
				"-g",
				"--offline",
				"--no-audit",
				"--no-fund",
				join(out, packed[0]?.filename ?? ""),
				"--prefix",
				prefix,
			],
			{
				env,
				stdio: "ignore",
			},
		);
		const bin = join(prefix, "bin", "arcnet-agent");
		expect(existsSync(bin)).toBe(true);
		const help = execFileSync(bin, ["--help"], { env, encoding: "utf8" });
		expect(help).toContain("arcnet-agent doctor");
		expect(help).toContain("arcnet-agent rotate-key");
		expect(existsSync(join(prefix, "lib", "node_modules", "@arcnet", "node-agent", "arcnet-agent.service"))).toBe(true);
	}, 60_000);
});
