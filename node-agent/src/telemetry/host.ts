/**
 * Host CPU and memory readings. CPU load is the busy share of all cores since
 * the previous sample (os.cpus() counters only ever grow), so each call
 * reports the load over the last telemetry interval.
 */
import { cpus, freemem, totalmem } from "node:os";

export interface HostReading {
	cpuPct: number;
	memUsedBytes: number;
	memTotalBytes: number;
}

type CpuTimes = { idle: number; total: number };

function cpuTimes(): CpuTimes {
	let idle = 0;
	let total = 0;
	for (const cpu of cpus()) {
		const t = cpu.times;
		idle += t.idle;
		total += t.user + t.nice + t.sys + t.idle + t.irq;
	}
	return { idle, total };
}

/** Creates a sampler; its first sample covers the time since creation. */
export function createHostSampler(): () => HostReading {
	let last = cpuTimes();
	return () => {
		const now = cpuTimes();
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
