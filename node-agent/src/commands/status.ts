/**
 * `arcnet-agent status`: shows the running agent's status file as a live
 * view refreshed every second (ANSI screen redraw), or once in plain text
 * with --once or when stdout is not a terminal (pipes, scripts, CI).
 */
import type { AgentConfig } from "../config.js";
import { readStatusFile, type StatusSnapshot, staleAfterMs } from "../status-file.js";
import { renderStatus } from "../status-render.js";

export interface StatusCommandOptions {
	once: boolean;
	/** Where the view goes. Default process.stdout. */
	out?: NodeJS.WriteStream;
}

/** By the agent's own intervals (this command's telemetry setting only for snapshots that lack it). */
function staleAfter(snapshot: StatusSnapshot, config: AgentConfig): number {
	return staleAfterMs(snapshot, config.telemetryIntervalMs);
}

function frame(config: AgentConfig, color: boolean): string {
	try {
		const snapshot = readStatusFile(config.stateDir);
		return renderStatus(snapshot, { now: Date.now(), color, staleAfterMs: staleAfter(snapshot, config) });
	} catch (err) {
		return err instanceof Error ? err.message : String(err);
	}
}

/** Prints the view; live until SIGINT on a TTY. Resolves 0, or 1 when --once finds no readable status. */
export async function statusCommand(config: AgentConfig, options: StatusCommandOptions): Promise<number> {
	const out = options.out ?? process.stdout;
	if (options.once || !out.isTTY) {
		try {
			const snapshot = readStatusFile(config.stateDir);
			out.write(`${renderStatus(snapshot, { now: Date.now(), staleAfterMs: staleAfter(snapshot, config) })}\n`);
			return 0;
		} catch (err) {
			process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
			return 1;
		}
	}
	return new Promise((resolve) => {
		const draw = () => out.write(`\u001b[H\u001b[2J${frame(config, true)}\n\n(Ctrl-C to quit)\n`);
		draw();
		const timer = setInterval(draw, 1000);
		process.once("SIGINT", () => {
			clearInterval(timer);
			out.write("\n");
			resolve(0);
		});
	});
}
