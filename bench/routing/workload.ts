/**
 * A deterministic day of inference requests from clients worldwide. Each
 * request's city is drawn by population; its arrival time follows that city's
 * local diurnal curve; it carries a latency bound, token counts, a duration
 * and the GPU energy it will use wherever it runs.
 */

import type { SimCity } from "./inputs.js";
import { mulberry32, normal, pickWeighted, type Random } from "./prng.js";

/** One simulated request. */
export interface SimRequest {
	/** Arrival, seconds after 00:00 UTC. */
	arrivalS: number;
	/** Index of the arrival's one-minute capacity bucket (0..1439). */
	bucket: number;
	/** UTC hour of arrival (0..23): the carbon figure it is charged. */
	hour: number;
	cityIndex: number;
	/** Maximum round trip the client accepts, ms. */
	boundMs: number;
	promptTokens: number;
	outputTokens: number;
	/** Decode time at the per-stream rate, seconds (<= BUCKET_S by construction). */
	durationS: number;
	/** GPU energy, kWh: output tokens x J per output token. */
	energyKwh: number;
}

/** Length of a capacity bucket: a request holds one slot of its zone for the bucket it starts in. */
export const BUCKET_S = 60;

/** The latency bounds and their shares: 60% 150 ms (chat), 30% 250 ms (batch-ish), 10% 80 ms (interactive). */
export const LATENCY_BOUNDS: readonly { boundMs: number; share: number }[] = [
	{ boundMs: 150, share: 0.6 },
	{ boundMs: 250, share: 0.3 },
	{ boundMs: 80, share: 0.1 },
];

/**
 * Llama-3.1-8B on one H100 at max_num_seqs 64 (catalogue/llm_energy_per_token.csv):
 * 0.1186 J per output token, median inter-token latency 11.5 ms (about 87 tokens/s per stream).
 */
export const JOULES_PER_OUTPUT_TOKEN = 0.1186;
/** Per-stream decode rate, tokens/s (1000 / 11.5 ms). */
export const TOKENS_PER_SECOND = 1000 / 11.5;
/** Output tokens are capped so that every request finishes within its bucket. */
export const MAX_OUTPUT_TOKENS = 1024;

/**
 * Relative request rate at local solar hour `h` (0..24): a cosine peaking at
 * 14:00 and bottoming at 02:00, from 0.25 to 1 (a 4:1 day/night swing).
 */
export function diurnalWeight(localHour: number): number {
	return 0.25 + 0.75 * ((1 + Math.cos((2 * Math.PI * (localHour - 14)) / 24)) / 2);
}

/** Local solar time of a UTC second at longitude `lon` (no time-zone tables: UTC + lon/15 h). */
function localHour(arrivalS: number, lon: number): number {
	return (((arrivalS / 3600 + lon / 15) % 24) + 24) % 24;
}

/** Log-normal token count, clamped to [min, max]. */
function tokens(random: Random, median: number, sigma: number, min: number, max: number): number {
	return Math.min(max, Math.max(min, Math.round(median * Math.exp(sigma * normal(random)))));
}

function pickBound(random: Random): number {
	let u = random();
	for (const { boundMs, share } of LATENCY_BOUNDS) {
		if (u < share) return boundMs;
		u -= share;
	}
	return LATENCY_BOUNDS[0]?.boundMs ?? 150;
}

/**
 * `count` requests (default 40,000) for one day, sorted by arrival. Same seed, same day.
 * Arrival times are drawn by rejection against the city's diurnal curve, so P(city) stays
 * proportional to population (every city's curve has the same daily integral).
 */
export function generateDay(cities: readonly SimCity[], count = 40_000, seed = 20_261_123): SimRequest[] {
	const random = mulberry32(seed);
	const cumulative: number[] = [];
	let total = 0;
	for (const city of cities) {
		total += city.populationMillions;
		cumulative.push(total);
	}
	const requests: SimRequest[] = [];
	for (let i = 0; i < count; i++) {
		const cityIndex = pickWeighted(cumulative, random);
		const city = cities[cityIndex];
		if (!city) throw new Error(`city index ${cityIndex} out of range`);
		let arrivalS = random() * 86_400;
		while (random() > diurnalWeight(localHour(arrivalS, city.lon))) arrivalS = random() * 86_400;
		const outputTokens = tokens(random, 250, 0.8, 16, MAX_OUTPUT_TOKENS);
		requests.push({
			arrivalS,
			bucket: Math.floor(arrivalS / BUCKET_S),
			hour: Math.floor(arrivalS / 3600),
			cityIndex,
			boundMs: pickBound(random),
			promptTokens: tokens(random, 400, 1, 8, 8_000),
			outputTokens,
			durationS: outputTokens / TOKENS_PER_SECOND,
			energyKwh: (outputTokens * JOULES_PER_OUTPUT_TOKEN) / 3.6e6,
		});
	}
	return requests.sort((a, b) => a.arrivalS - b.arrivalS);
}
