/**
 * `enroll` checks that it can write identity.json before it spends the
 * one-time token: a write that failed after registration left an active node
 * with no key anywhere and the token used up.
 */
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { enrollCommand } from "../../node-agent/src/commands/enroll.js";
import { loadConfig } from "../../node-agent/src/config.js";
import { createLogger } from "../../node-agent/src/logger.js";
import { FakeEdge } from "./agent-fake-edge.js";

let edge: FakeEdge | undefined;
afterEach(async () => {
	await edge?.stop();
});

function config(stateDir: string, edgeUrl: string) {
	return loadConfig({
		flags: { edge: edgeUrl, token: "enroll-token-0123456789", "state-dir": stateDir },
		env: {},
		configPath: undefined,
	});
}

describe("agent enroll and its state directory", () => {
	it("refuses before contacting the edge when identity.json cannot be written there", async () => {
		edge = await new FakeEdge().start();
		const parent = mkdtempSync(join(tmpdir(), "arcnet-agent-enroll-"));
		// A state directory under a regular file cannot be created, whoever runs the test (root included).
		writeFileSync(join(parent, "not-a-dir"), "");
		const stateDir = join(parent, "not-a-dir", "state");
		const lines: string[] = [];
		const logger = createLogger({ format: "text", level: "info", write: (l) => lines.push(l) });
		await expect(enrollCommand(config(stateDir, edge.url), logger)).rejects.toThrow(
			/stateDir: cannot write identity\.json in ".*not-a-dir\/state".*the token is unused/,
		);
		expect(edge.state.publicJwk).toBeNull();
	});

	it("creates a missing state directory, enrolls and leaves only identity.json in it", async () => {
		edge = await new FakeEdge().start();
		const stateDir = join(mkdtempSync(join(tmpdir(), "arcnet-agent-enroll-")), "a", "state");
		const logger = createLogger({ format: "text", level: "error", write: () => {} });
		expect(await enrollCommand(config(stateDir, edge.url), logger)).toBe(0);
		expect(edge.state.publicJwk).not.toBeNull();
		expect(readdirSync(stateDir)).toEqual(["identity.json"]);
	});
});
