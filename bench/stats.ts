/**
 * Summary statistics for latency samples. Percentiles use the nearest-rank
 * method, so every reported figure is a latency that was actually observed.
 */

/** p50/p95/p99, mean, min and max of a set of samples, in the samples' unit (ms). */
export interface Summary {
	n: number;
	p50: number;
	p95: number;
	p99: number;
	mean: number;
	min: number;
	max: number;
}

/** The nearest-rank percentile `p` (0 < p <= 100) of `sorted` (ascending). */
export function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** Summarises samples; all fields are NaN (and n is 0) for an empty set. */
export function summarize(samples: readonly number[]): Summary {
	const sorted = [...samples].sort((a, b) => a - b);
	const round = (x: number) => Math.round(x * 100) / 100;
	const mean = sorted.length ? sorted.reduce((s, x) => s + x, 0) / sorted.length : Number.NaN;
	return {
		n: sorted.length,
		p50: round(percentile(sorted, 50)),
		p95: round(percentile(sorted, 95)),
		p99: round(percentile(sorted, 99)),
		mean: round(mean),
		min: round(sorted[0] ?? Number.NaN),
		max: round(sorted.at(-1) ?? Number.NaN),
	};
}

/** The difference of two summaries' percentiles (a − b): what the edge adds to the direct path. */
export function difference(a: Summary, b: Summary): { p50: number; p95: number; p99: number } {
	const round = (x: number) => Math.round(x * 100) / 100;
	return { p50: round(a.p50 - b.p50), p95: round(a.p95 - b.p95), p99: round(a.p99 - b.p99) };
}
