/**
 * Each command's `--help` is its own: what it does, its usage line, the
 * options it reads (and not the others') and an example. The global help
 * still lists every command.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "../../node-agent/build.js";
import { bundleCommand } from "./agent-bundle-process.js";

let bundle = "";
beforeAll(async () => {
	bundle = join(mkdtempSync(join(tmpdir(), "arcnet-agent-help-")), "arcnet-agent.mjs");
	await buildAgent(bundle);
});

async function help(args: string[]): Promise<string> {
	const cmd = bundleCommand(bundle, args);
	expect(await cmd.exited).toBe(0);
	return cmd.output();
}

/** For each command: a flag its help must list and one it must not. */
const CASES = [
	{ command: "enroll", has: "--token <value>", lacks: "--backend-url" },
	{ command: "run", has: "--backend-url <value>", lacks: "--token" },
	{ command: "doctor", has: "--nvidia-smi <value>", lacks: "--drain-grace-ms" },
	{ command: "status", has: "--once", lacks: "--backend" },
	{ command: "rotate-key", has: "--state-dir <value>", lacks: "--slots" },
] as const;

describe("agent command help", () => {
	for (const { command, has, lacks } of CASES) {
		it(`${command} --help shows ${command}'s usage, options and an example, not the global help`, async () => {
			const text = await help([command, "--help"]);
			expect(text).toContain(`Usage: arcnet-agent ${command}`);
			expect(text).toContain(has);
			expect(text).not.toContain(lacks);
			expect(text).toMatch(new RegExp(`Example:\\n  .*arcnet-agent ${command}`));
			expect(text).not.toContain("arcnet-agent <command> --help");
			expect(await help(["help", command])).toBe(text);
		});
	}

	it("--help alone lists every command and points at each command's help", async () => {
		const text = await help(["--help"]);
		for (const { command } of CASES) expect(text).toContain(`arcnet-agent ${command}`);
		expect(text).toContain("arcnet-agent <command> --help");
	});
});
