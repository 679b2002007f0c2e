/**
 * CPU time of the processes behind an edge, from /proc (Linux): workerd
 * serves every isolate of the Worker, its Durable Objects and Miniflare's D1
 * on one thread, so its CPU per request is what bounds the edge's latency on
 * a small machine. Read before and after the measured requests.
 */
import { readdirSync, readFileSync } from "node:fs";
import { CLK_TCK } from "./agent/proc-sample.js";

interface ProcStat {
	pid: number;
	ppid: number;
	comm: string;
	cpuTicks: number;
}

function readStat(pid: number): ProcStat | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		const open = stat.indexOf("(");
		const close = stat.lastIndexOf(")");
		// Fields after the command name's closing parenthesis: state, ppid, ..., utime (12th), stime (13th).
		const fields = stat.slice(close + 2).split(" ");
		return {
			pid,
			ppid: Number(fields[1]),
			comm: stat.slice(open + 1, close),
			cpuTicks: Number(fields[11]) + Number(fields[12]),
		};
	} catch {
		return undefined; // gone between readdir and read, or not Linux
	}
}

/** Pids of the workerd processes started by this process itself (Miniflare's runtime, not wrangler dev's). */
export function ownWorkerdPids(): number[] {
	let entries: string[];
	try {
		entries = readdirSync("/proc");
	} catch {
		return [];
	}
	const stats = entries.filter((e) => /^\d+$/.test(e)).flatMap((e) => readStat(Number(e)) ?? []);
	return stats.filter((s) => s.ppid === process.pid && s.comm.startsWith("workerd")).map((s) => s.pid);
}

/** CPU ms used so far by `pids` together (utime + stime); NaN when /proc cannot be read. */
export function cpuMs(pids: readonly number[]): number {
	if (pids.length === 0) return Number.NaN;
	let ticks = 0;
	for (const pid of pids) {
		const s = readStat(pid);
		if (!s) return Number.NaN;
		ticks += s.cpuTicks;
	}
	return (ticks * 1000) / CLK_TCK;
}
