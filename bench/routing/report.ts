/**
 * Turns scored outcomes into the benchmark's figures (saved vs nearest, share
 * over bound, fraction of the optimum's savings, target met) and prints them.
 */
import type { DecisionCost } from "./decision-cost.js";
import type { Outcome } from "./simulate.js";

/** The routing target: at least this fraction of the optimum's savings... */
export const TARGET_SAVINGS_FRACTION = 0.9;
/** ...with at most this share of requests over their latency bound. */
export const TARGET_MAX_OVER_BOUND = 0.01;

/** One row of the results table. */
export interface StrategyFigures {
	strategy: string;
	totalGrams: number;
	savedVsNearestGrams: number;
	savedVsNearestPct: number;
	overBoundShare: number;
	unserved: number;
	/** Mean and p95 RTT to the serving zone, ms (served requests). */
	meanRttMs: number;
	p95RttMs: number;
	/** (nearest − strategy) / (nearest − optimum); above 1 means it beat the optimum by breaking bounds. */
	fractionOfOptimumSavings: number;
	/** Only for the router's policies: whether both halves of the target hold. */
	meetsTarget?: boolean;
	perZone: Record<string, number>;
}

/** Derives every row's figures from the outcomes, relative to "nearest" and "optimum". */
export function figures(outcomes: ReadonlyMap<string, Outcome>, requestCount: number): StrategyFigures[] {
	const nearest = outcomes.get("nearest");
	const optimum = outcomes.get("optimum");
	if (!nearest || !optimum) throw new Error("figures need the 'nearest' and 'optimum' outcomes");
	const optimumSaving = nearest.totalGrams - optimum.totalGrams;
	return [...outcomes].map(([strategy, o]) => {
		const saved = nearest.totalGrams - o.totalGrams;
		const overBoundShare = o.overBound / requestCount;
		const fraction = optimumSaving > 0 ? saved / optimumSaving : Number.NaN;
		const row: StrategyFigures = {
			strategy,
			totalGrams: o.totalGrams,
			savedVsNearestGrams: saved,
			savedVsNearestPct: (100 * saved) / nearest.totalGrams,
			overBoundShare,
			unserved: o.unserved,
			meanRttMs: o.meanRttMs,
			p95RttMs: o.p95RttMs,
			fractionOfOptimumSavings: fraction,
			perZone: o.perZone,
		};
		if (strategy.startsWith("router:")) {
			row.meetsTarget = fraction >= TARGET_SAVINGS_FRACTION && overBoundShare <= TARGET_MAX_OVER_BOUND;
		}
		return row;
	});
}

const pad = (s: string, n: number) => s.padStart(n);

/** Prints the quality table and one target line per router policy. */
export function printQuality(rows: readonly StrategyFigures[]): void {
	console.log(
		`${"strategy".padEnd(32)}${pad("total gCO2", 12)}${pad("saved g", 10)}${pad("saved %", 9)}${pad("over bound", 12)}${pad("of optimum", 12)}${pad("mean RTT", 10)}${pad("p95 RTT", 9)}`,
	);
	for (const r of rows) {
		console.log(
			`${r.strategy.padEnd(32)}${pad(r.totalGrams.toFixed(2), 12)}${pad(r.savedVsNearestGrams.toFixed(2), 10)}` +
				`${pad(r.savedVsNearestPct.toFixed(1), 9)}${pad(`${(100 * r.overBoundShare).toFixed(2)}%`, 12)}` +
				`${pad(`${(100 * r.fractionOfOptimumSavings).toFixed(1)}%`, 12)}` +
				`${pad(`${r.meanRttMs.toFixed(0)} ms`, 10)}${pad(`${r.p95RttMs.toFixed(0)} ms`, 9)}`,
		);
	}
	for (const r of rows) {
		if (r.meetsTarget === undefined) continue;
		const verdict = r.meetsTarget ? "MET" : "MISSED";
		console.log(
			`target (>= ${100 * TARGET_SAVINGS_FRACTION}% of optimum savings, <= ${100 * TARGET_MAX_OVER_BOUND}% over bound) ${r.strategy}: ${verdict}`,
		);
	}
}

/** Prints the decision-cost table. */
export function printDecisionCost(rows: readonly DecisionCost[]): void {
	console.log(
		`${"zones".padStart(6)}${pad("nodes", 8)}${pad("policy", 10)}${pad("median µs", 11)}${pad("ns/zone", 9)}`,
	);
	for (const r of rows) {
		console.log(
			`${pad(String(r.zones), 6)}${pad(String(r.nodes), 8)}${pad(r.policy, 10)}${pad(r.medianUs.toFixed(2), 11)}${pad(r.nsPerZone.toFixed(0), 9)}`,
		);
	}
}
