/**
 * Host CPU and memory readings. CPU load is the busy share of all cores since
 * the previous sample (the counters only ever grow), so each call reports the
 * load over the last telemetry interval. On Linux the counters come from the
 * first line of /proc/stat, the sum over all cores: os.cpus() builds an
 * object per core (and reads each one's frequency), which a many-core GPU
 * host pays for on every telemetry tick. Elsewhere, or when /proc/stat cannot
 * be read, os.cpus() gives the same sums.
 */
import { cpus, freemem, totalmem } from "node:os";
import { fs } from "../builtins.js";

export interface HostReading {
	cpuPct: number;
	memUsedBytes: number;
	memTotalBytes: number;
}

type CpuTimes = { idle: number; total: number };

/** Sums of all cores' times from /proc/stat's `cpu` line (user nice system idle iowait irq softirq steal), or null. */
export function parseProcStat(text: string): CpuTimes | null {
	const line = /^cpu\s+([\d\s]+)/.exec(text)?.[1];
	if (!line) return null;
	const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
	if (user === undefined || nice === undefined || system === undefined || idle === undefined) return null;
	const waited = iowait ?? 0;
	return {
		idle: idle + waited,
		total: user + nice + system + idle + waited + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0),
	};
}

function osCpuTimes(): CpuTimes {
	let idle = 0;
	let total = 0;
	for (const cpu of cpus()) {
		const t = cpu.times;
		idle += t.idle;
		total += t.user + t.nice + t.sys + t.idle + t.irq;
	}
	return { idle, total };
}

/** Bytes of /proc/stat read per sample: its first line, the all-core sums, is under 200. */
const PROC_STAT_HEAD = 512;
let procStatFd: number | undefined;
const procStatBuffer = Buffer.alloc(PROC_STAT_HEAD);

/**
 * The head of /proc/stat, through a descriptor kept open and read from offset
 * 0 into one buffer: the whole file (a line per core and interrupt counters,
 * kilobytes on a large host) was read into a new string on every tick.
 */
function readProcStat(): string | null {
	try {
		procStatFd ??= fs.openSync("/proc/stat", "r");
		const n = fs.readSync(procStatFd, procStatBuffer, 0, PROC_STAT_HEAD, 0);
		return procStatBuffer.toString("latin1", 0, n);
	} catch {
		return null;
	}
}

export interface HostSamplerOptions {
	/** Reads /proc/stat's text, or null where there is none. Default: the file. */
	procStat?: () => string | null;
}

/** Creates a sampler; its first sample covers the time since creation. */
export function createHostSampler(options: HostSamplerOptions = {}): () => HostReading {
	const procStat = options.procStat ?? readProcStat;
	// Decided once: the two sources count in different units (clock ticks, ms), so samples never mix them.
	const useProc = parseProcStat(procStat() ?? "") !== null;
	let last = useProc ? (parseProcStat(procStat() ?? "") ?? { idle: 0, total: 0 }) : osCpuTimes();
	return () => {
		// A failed read repeats the last counters: this sample then reports 0 % rather than a wrong figure.
		const now = useProc ? (parseProcStat(procStat() ?? "") ?? last) : osCpuTimes();
		const total = now.total - last.total;
		const busy = total - (now.idle - last.idle);
		last = now;
		const cpuPct = total > 0 ? Math.min(100, Math.max(0, (busy / total) * 100)) : 0;
		const memTotalBytes = totalmem();
		return {
			cpuPct: Math.round(cpuPct * 10) / 10,
			memUsedBytes: Math.max(0, memTotalBytes - freemem()),
			memTotalBytes,
		};
	};
}
