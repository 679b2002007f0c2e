/**
 * Seeded pseudo-random numbers, so that every run of the benchmark draws the
 * same day of requests and its figures can be compared across commits.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: a 32-bit generator, small and fast; good enough for workload sampling (not for crypto). */
export function mulberry32(seed: number): Random {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** A standard normal draw (Box-Muller). */
export function normal(random: Random): number {
	const u = 1 - random(); // (0, 1]: log(0) would be -Infinity
	return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * Index drawn with probability proportional to `weights[i]`, given their
 * running sums `cumulative` (ascending, last = total); binary search.
 */
export function pickWeighted(cumulative: readonly number[], random: Random): number {
	const total = cumulative.at(-1) ?? 0;
	const target = random() * total;
	let lo = 0;
	let hi = cumulative.length - 1;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if ((cumulative[mid] ?? 0) > target) hi = mid;
		else lo = mid + 1;
	}
	return lo;
}
