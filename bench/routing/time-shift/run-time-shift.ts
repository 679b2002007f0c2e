/**
 * The time-shifting part of `npm run bench:routing`: deferrable batch work on
 * the traced zones, for windows of 1 h, 6 h and 24 h. Each strategy's saving
 * against run-now, as a share of the offline optimum's, and the batches that
 * ran past their window. Method: docs/routing-benchmark.md, "Time-shifting".
 */
import { batchWorkload } from "./batch-workload.js";
import { tracedZoneHours } from "./hourly-traces.js";
import { shiftOptimum } from "./shift-optimum.js";
import { runAtArrival, runScheduler, type ShiftOutcome, type ShiftScenario } from "./shift-strategies.js";

/** The target: the scheduler reaches this share of the optimum's savings at the 24 h window... */
export const TARGET_SHARE_24H = 0.8;
/** ...with no request past its window, at any window. */
export const TARGET_LATE = 0;

/** Windows reported, in hours. */
export const WINDOWS = [1, 6, 24] as const;

/** Options of the time-shift run. */
export interface TimeShiftOptions {
	/** First day with arrivals, "MM-DD". */
	date: string;
	/** Days with arrivals. */
	days: number;
	seed: number;
}

/** One row of the table. */
export interface ShiftRow {
	windowHours: number;
	strategy: string;
	meanGco2PerKwh: number;
	savedVsRunNowPct: number;
	shareOfOptimumSavings: number;
	late: number;
}

/** What the run returns for the JSON file. */
export interface TimeShiftResult {
	zones: string[];
	requests: number;
	/** Mean absolute percentage error of the scheduler's forecasts, 1 to 23 h ahead, at the 24 h window. */
	forecastMape: number;
	rows: ShiftRow[];
	meetsTarget: boolean;
}

const WARMUP_DAYS = 7;
const SLOTS_PER_ZONE = 100;

/** Runs every strategy for every window and returns the rows. */
export function runTimeShift(o: TimeShiftOptions): TimeShiftResult {
	const start = new Date(Date.parse(`2023-${o.date}T00:00:00Z`) - WARMUP_DAYS * 86_400_000).toISOString().slice(5, 10);
	const totalDays = WARMUP_DAYS + o.days + 2;
	const zones = tracedZoneHours(start, totalDays);
	const hours = totalDays * 24;
	const { batches, room } = batchWorkload({
		zones: zones.length,
		arrivalHours: o.days * 24,
		totalHours: hours,
		batchesPerDay: 48,
		meanRequests: 25,
		slotsPerZone: SLOTS_PER_ZONE,
		seed: o.seed,
	});
	const scenario: ShiftScenario = { zones, batches, room, hours, firstHour: WARMUP_DAYS * 24 };
	const requests = batches.reduce((n, b) => n + b.requests, 0);
	const rows: ShiftRow[] = [];
	let forecastMape = 0;
	for (const windowHours of WINDOWS) {
		const runNow = runAtArrival(scenario, windowHours, "home");
		const optimum = shiftOptimum(scenario, windowHours);
		const forecast = runScheduler(scenario, windowHours, "profile");
		if (windowHours === 24) forecastMape = forecast.error.mape;
		const outcomes: [string, ShiftOutcome][] = [
			["run-now", runNow],
			["space-only", runAtArrival(scenario, windowHours, "cleanest")],
			["scheduler (forecast)", forecast],
			["scheduler (perfect foresight)", runScheduler(scenario, windowHours, "oracle")],
			["optimum (offline)", optimum],
		];
		const optimumSaving = runNow.totalIntensity - optimum.totalIntensity;
		for (const [strategy, outcome] of outcomes) {
			const saved = runNow.totalIntensity - outcome.totalIntensity;
			rows.push({
				windowHours,
				strategy,
				meanGco2PerKwh: outcome.totalIntensity / Math.max(1, outcome.served),
				savedVsRunNowPct: (100 * saved) / runNow.totalIntensity,
				shareOfOptimumSavings: optimumSaving > 0 ? saved / optimumSaving : Number.NaN,
				late: outcome.late,
			});
		}
	}
	const scheduler = rows.filter((r) => r.strategy === "scheduler (forecast)");
	const at24 = scheduler.find((r) => r.windowHours === 24);
	const meetsTarget =
		at24 !== undefined &&
		at24.shareOfOptimumSavings >= TARGET_SHARE_24H &&
		scheduler.every((r) => r.late === TARGET_LATE);
	return { zones: zones.map((z) => z.zoneId), requests, forecastMape, rows, meetsTarget };
}

/** Prints the table. */
export function printTimeShift(result: TimeShiftResult): void {
	console.table(
		result.rows.map((r) => ({
			window: `${r.windowHours} h`,
			strategy: r.strategy,
			"mean gCO2/kWh": r.meanGco2PerKwh.toFixed(1),
			"saved vs run-now": `${r.savedVsRunNowPct.toFixed(1)}%`,
			"share of optimum": Number.isNaN(r.shareOfOptimumSavings)
				? "n/a"
				: `${(100 * r.shareOfOptimumSavings).toFixed(1)}%`,
			late: r.late,
		})),
	);
	console.log(
		`forecast (daily profile from the 7 days before each decision) error, 1-23 h ahead: MAPE ${(100 * result.forecastMape).toFixed(1)}%`,
	);
	console.log(
		`target (>= ${100 * TARGET_SHARE_24H}% of the optimum's savings at 24 h, ${TARGET_LATE} late): ${result.meetsTarget ? "met" : "NOT met"}`,
	);
}
