/**
 * Child processes that cannot outlive the harness. Each child gets its own
 * process group (wrangler spawns workerd, and a stray workerd keeps its port
 * and persist dir locked), its output is kept line by line for assertions and
 * post-mortems, and every live group is killed when this process exits, even
 * when a test failed before its afterAll ran.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** Most output lines kept per child; older lines are dropped first. */
const MAX_LOG_LINES = 5_000;

const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
	if (exitHookInstalled) return;
	exitHookInstalled = true;
	// 'exit' handlers must be synchronous: a SIGKILL to each group is all we can do here.
	process.on("exit", () => {
		for (const pgid of liveGroups) killGroup(pgid, "SIGKILL");
	});
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pgid, signal);
	} catch {
		// ESRCH: the group is already gone, which is what we wanted.
	}
}

export interface ManagedProcessOptions {
	/** Short name used in log prefixes and error messages. */
	name: string;
	command: string;
	args: readonly string[];
	cwd?: string;
	/** Merged over process.env. */
	env?: Record<string, string | undefined>;
	/** Called for every output line (stdout and stderr), e.g. to print it with a prefix. */
	onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

/** A running child in its own process group. */
export interface ManagedProcess {
	readonly name: string;
	readonly pid: number;
	/** Output lines so far (at most 5,000, newest last). */
	readonly logs: string[];
	/** Resolves with the exit code (or the signal name) once the child has exited. */
	readonly exited: Promise<number | string>;
	/** True until the child has exited. */
	isRunning(): boolean;
	/** Sends a signal to the child's whole process group. */
	signal(signal: NodeJS.Signals): void;
	/** SIGTERM to the group, SIGKILL after `graceMs` (default 10 s); resolves with the exit status. */
	stop(graceMs?: number): Promise<number | string>;
	/** SIGKILL to the group at once. */
	kill(): Promise<number | string>;
}

/** Spawns a child in a new process group and tracks it until it exits. */
export function spawnManaged(options: ManagedProcessOptions): ManagedProcess {
	installExitHook();
	const child: ChildProcess = spawn(options.command, [...options.args], {
		cwd: options.cwd,
		env: { ...process.env, ...options.env },
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	const pid = child.pid;
	if (pid === undefined) throw new Error(`${options.name}: could not spawn ${options.command}`);
	liveGroups.add(pid);
	const logs: string[] = [];
	let running = true;
	const record = (stream: "stdout" | "stderr") => (line: string) => {
		logs.push(line);
		if (logs.length > MAX_LOG_LINES) logs.shift();
		options.onLine?.(line, stream);
	};
	if (child.stdout) createInterface({ input: child.stdout }).on("line", record("stdout"));
	if (child.stderr) createInterface({ input: child.stderr }).on("line", record("stderr"));
	const exited = new Promise<number | string>((resolve) => {
		child.on("error", (err) => logs.push(`[spawn error] ${err.message}`));
		child.on("close", (code, signal) => {
			running = false;
			// The leader is gone; grandchildren (workerd) may not be. Reap the group.
			killGroup(pid, "SIGKILL");
			liveGroups.delete(pid);
			resolve(code ?? signal ?? "unknown");
		});
	});
	const stop = async (graceMs = 10_000): Promise<number | string> => {
		if (!running) return exited;
		killGroup(pid, "SIGTERM");
		const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
		try {
			return await exited;
		} finally {
			clearTimeout(timer);
		}
	};
	return {
		name: options.name,
		pid,
		logs,
		exited,
		isRunning: () => running,
		signal: (signal) => killGroup(pid, signal),
		stop,
		kill: () => {
			killGroup(pid, "SIGKILL");
			return exited;
		},
	};
}

/** Runs a command to completion; rejects with its output when it exits non-zero. */
export async function runToCompletion(options: ManagedProcessOptions & { timeoutMs?: number }): Promise<string[]> {
	const proc = spawnManaged(options);
	const timeoutMs = options.timeoutMs ?? 60_000;
	const timer = setTimeout(() => proc.kill(), timeoutMs);
	const status = await proc.exited;
	clearTimeout(timer);
	if (status !== 0) {
		const tail = proc.logs.slice(-30).join("\n");
		throw new Error(`${options.name} exited with ${status} (timeout ${timeoutMs} ms):\n${tail}`);
	}
	return proc.logs;
}
