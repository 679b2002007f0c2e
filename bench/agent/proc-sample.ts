/**
 * Resident memory and CPU time of a process from /proc (Linux), so the
 * agent benchmark measures the agent process itself from outside, the way
 * an operator's `top` would, without instrumenting it.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (usually 100). */
export const CLK_TCK = (() => {
	try {
		return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
	} catch {
		return 100;
	}
})();

/** One reading of a process: CPU ticks used so far, resident and peak resident memory. */
export interface ProcReading {
	atMs: number;
	cpuTicks: number;
	rssBytes: number;
	peakRssBytes: number;
}

/** Reads /proc/<pid>/stat (utime + stime) and /proc/<pid>/status (VmRSS, VmHWM). */
export function readProc(pid: number): ProcReading {
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	// The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
	const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	const utime = Number(fields[11]);
	const stime = Number(fields[12]);
	const status = readFileSync(`/proc/${pid}/status`, "utf8");
	const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
	return { atMs: performance.now(), cpuTicks: utime + stime, rssBytes: kib("VmRSS"), peakRssBytes: kib("VmHWM") };
}

/** CPU and memory of a process over a window. */
export interface WindowStats {
	/** Share of one core, in percent, over the window. */
	cpuPctOfCore: number;
	/** Mean of the RSS samples, in MB (10^6 bytes). */
	rssMeanMB: number;
	/** Largest RSS sample, in MB. */
	rssMaxMB: number;
	seconds: number;
}

/** Samples `pid` every `everyMs` for `seconds`; CPU is the tick delta over the window. */
export async function sampleWindow(pid: number, seconds: number, everyMs = 250): Promise<WindowStats> {
	const first = readProc(pid);
	const rss: number[] = [first.rssBytes];
	let last = first;
	const until = first.atMs + seconds * 1000;
	while (performance.now() < until) {
		await new Promise((r) => setTimeout(r, everyMs));
		last = readProc(pid);
		rss.push(last.rssBytes);
	}
	const elapsedS = (last.atMs - first.atMs) / 1000;
	return {
		cpuPctOfCore: ((last.cpuTicks - first.cpuTicks) / CLK_TCK / elapsedS) * 100,
		rssMeanMB: rss.reduce((a, b) => a + b, 0) / rss.length / 1e6,
		rssMaxMB: Math.max(...rss) / 1e6,
		seconds: elapsedS,
	};
}
