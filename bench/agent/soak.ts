/**
 * The long idle run of `npm run bench:agent --soak-minutes N`: samples the
 * agent's RSS and CPU every few seconds for N minutes and fits a line to the
 * RSS, so that a slow leak shows as a slope (MB per hour) rather than hiding
 * in a short window's noise. The first minute is left out of the fit: the heap
 * settles then.
 */
import { CLK_TCK, readProc } from "./proc-sample.js";

/** What a soak found. */
export interface SoakStats {
	minutes: number;
	/** RSS samples: minutes since the start, MB. */
	samples: [number, number][];
	/** Mean RSS over the first and the last five minutes (or tenth of the run), MB. */
	startMB: number;
	endMB: number;
	/** Least-squares slope of RSS over time, after the first minute, in MB per hour. */
	slopeMBPerHour: number;
	/** Share of one core over the whole run, percent. */
	cpuPctOfCore: number;
	/** Edge outages staged during the run. */
	outages: number;
}

/** Least-squares slope of y over x. */
export function slope(points: [number, number][]): number {
	const n = points.length;
	if (n < 2) return 0;
	const mx = points.reduce((a, [x]) => a + x, 0) / n;
	const my = points.reduce((a, [, y]) => a + y, 0) / n;
	let num = 0;
	let den = 0;
	for (const [x, y] of points) {
		num += (x - mx) * (y - my);
		den += (x - mx) ** 2;
	}
	return den === 0 ? 0 : num / den;
}

export interface SoakOptions {
	minutes: number;
	everyS?: number;
	/** Called once a minute with the minutes elapsed, e.g. to stage an edge outage; awaited. */
	onMinute?: (minute: number) => Promise<void>;
	/** Progress lines. */
	log?: (line: string) => void;
}

/** Samples `pid` for `minutes`; bounded by that time plus what onMinute takes. */
export async function soak(pid: number, options: SoakOptions): Promise<Omit<SoakStats, "outages">> {
	const everyMs = (options.everyS ?? 5) * 1000;
	const first = readProc(pid);
	const samples: [number, number][] = [[0, first.rssBytes / 1e6]];
	let last = first;
	let minute = 0;
	const endAt = first.atMs + options.minutes * 60_000;
	while (performance.now() < endAt) {
		await new Promise((r) => setTimeout(r, Math.min(everyMs, Math.max(0, endAt - performance.now()))));
		last = readProc(pid);
		const t = (last.atMs - first.atMs) / 60_000;
		samples.push([t, last.rssBytes / 1e6]);
		if (Math.floor(t) > minute) {
			minute = Math.floor(t);
			options.log?.(`soak: minute ${minute} of ${options.minutes}, RSS ${(last.rssBytes / 1e6).toFixed(1)} MB`);
			await options.onMinute?.(minute);
		}
	}
	const edge = Math.max(1, Math.min(5, options.minutes / 10));
	const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
	const total = samples.at(-1)?.[0] ?? 0;
	return {
		minutes: options.minutes,
		samples,
		startMB: mean(samples.filter(([t]) => t >= 1 && t <= 1 + edge).map(([, y]) => y)),
		endMB: mean(samples.filter(([t]) => t >= total - edge).map(([, y]) => y)),
		slopeMBPerHour: slope(samples.filter(([t]) => t >= 1).map(([t, y]) => [t / 60, y])),
		cpuPctOfCore: ((last.cpuTicks - first.cpuTicks) / CLK_TCK / ((last.atMs - first.atMs) / 1000)) * 100,
	};
}
