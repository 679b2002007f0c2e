/**
 * The running agent's log writer: lines logged in one event-loop turn reach
 * stderr in one write, after the turn, and none is lost when the process
 * exits before that write.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { coalescingWriter } from "../../node-agent/src/log-writer.js";

describe("agent log writer", () => {
	it("writes the lines of one turn together, once the turn is over", async () => {
		const writes: string[] = [];
		const { write } = coalescingWriter((text) => writes.push(text));
		write("first");
		write("second");
		expect(writes).toEqual([]);
		await new Promise((resolve) => setImmediate(resolve));
		expect(writes).toEqual(["first\nsecond\n"]);
		write("third");
		await new Promise((resolve) => setImmediate(resolve));
		expect(writes).toEqual(["first\nsecond\n", "third\n"]);
	});

	it("writes what is pending when the process exits within the same turn", () => {
		const module = join(import.meta.dirname, "../../node-agent/src/log-writer.ts");
		const script = `import { coalescingWriter } from ${JSON.stringify(module)};
const { write } = coalescingWriter();
write("logged just before exit");
process.exit(3);`;
		const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
			encoding: "utf8",
			timeout: 20_000,
		});
		expect(run.status).toBe(3);
		expect(run.stderr).toBe("logged just before exit\n");
	});
});
