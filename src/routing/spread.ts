/**
 * The order in which a request tries its candidates, so that a burst spreads
 * by free capacity (ADR 0013). The router ranks the candidates under the
 * policy; all of them already meet the request's constraints, its latency
 * bound included. Then:
 *
 * 1. candidates with a free slot (in this isolate's view, zone-load.ts) come
 *    first, in rank order; those that would queue the job come after them;
 * 2. among the free candidates whose score is within NEAR_EQUAL_SCORE of the
 *    best free one, two are drawn at random and the one with more free slots
 *    goes first (the power of two choices), so isolates that share a stale
 *    directory do not all send their jobs to the same zone.
 */
import type { CandidateRecord } from "./router.js";

/** Scores this close to the best free candidate's count as equal (0.05: 5 ms, or 5 g/kWh under `carbon`). */
export const NEAR_EQUAL_SCORE = 0.05;

/** A candidate with the free slots this isolate sees in its zone now. */
export interface LoadedCandidate {
	candidate: CandidateRecord;
	available: number;
}

/** The candidates in the order to try them; `random` returns [0, 1) (Math.random in production). */
export function spreadOrder(ranked: readonly LoadedCandidate[], random: () => number = Math.random): CandidateRecord[] {
	const free = ranked.filter((c) => c.available > 0);
	const busy = ranked.filter((c) => c.available <= 0);
	const best = free[0];
	if (best) {
		const near = free.filter((c) => c.candidate.score - best.candidate.score <= NEAR_EQUAL_SCORE);
		if (near.length >= 2) {
			const first = Math.floor(random() * near.length);
			const second = (first + 1 + Math.floor(random() * (near.length - 1))) % near.length;
			const a = near[first] as LoadedCandidate;
			const b = near[second] as LoadedCandidate;
			const pick = a.available > b.available || (a.available === b.available && first < second) ? a : b;
			free.splice(free.indexOf(pick), 1);
			free.unshift(pick);
		}
	}
	return [...free, ...busy].map((c) => c.candidate);
}
