/**
 * `npm run bench:routing`: the routing-quality simulation and the
 * decision-cost micro-benchmark. Prints both tables and writes
 * bench/results/routing-quality.json. Method: docs/routing-benchmark.md.
 *
 * Options: --requests N (default 40000), --headroom X over each zone's home
 * demand (default 1.25), or --slots N per zone per minute for uniform zones, --date MM-DD replayed from the traces (default 06-21),
 * --seed N (default 20261123), --skip-decision-cost, --shift-days N of batch arrivals for time-shifting
 * (default 7), --skip-time-shift.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import type { RoutingPolicy } from "../../src/routing/policy.js";
import { measureDecisionGrid } from "./decision-cost.js";
import { loadCities, loadZones } from "./inputs.js";
import { solveOptimum } from "./optimum.js";
import { figures, printDecisionCost, printQuality } from "./report.js";
import { buildScenario, unreachableCount } from "./scenario.js";
import { type Outcome, runOnline, score } from "./simulate.js";
import { carbonGreedy, nearest, roundRobin, routerStrategy } from "./strategies.js";
import { printTimeShift, runTimeShift } from "./time-shift/run-time-shift.js";
import { generateDay } from "./workload.js";

const optionsSchema = z.object({
	requests: z.coerce.number().int().min(100).max(200_000).default(40_000),
	slots: z.coerce.number().int().min(1).max(1_000).optional(),
	headroom: z.coerce.number().min(0.1).max(100).default(1.25),
	date: z
		.string()
		.regex(/^\d\d-\d\d$/, "expected MM-DD")
		.default("06-21"),
	seed: z.coerce.number().int().min(0).default(20_261_123),
	"skip-decision-cost": z.boolean().default(false),
	"shift-days": z.coerce.number().int().min(1).max(60).default(7),
	"skip-time-shift": z.boolean().default(false),
});

const { values } = parseArgs({
	options: {
		requests: { type: "string" },
		slots: { type: "string" },
		headroom: { type: "string" },
		date: { type: "string" },
		seed: { type: "string" },
		"skip-decision-cost": { type: "boolean" },
		"shift-days": { type: "string" },
		"skip-time-shift": { type: "boolean" },
	},
});
const parsed = optionsSchema.safeParse(values);
if (!parsed.success) {
	const issue = parsed.error.issues[0];
	const field = String(issue?.path[0] ?? "?");
	throw new Error(`--${field}: got ${JSON.stringify(values[field as keyof typeof values])}: ${issue?.message}`);
}
const options = parsed.data;

const POLICIES: RoutingPolicy[] = [{ name: "latency" }, { name: "balanced" }, { name: "carbon" }];

const cities = loadCities();
const zones = loadZones();
const requests = generateDay(cities, options.requests, options.seed);
const scenario = buildScenario(zones, cities, requests, {
	provisioning:
		options.slots === undefined
			? { kind: "demand", headroom: options.headroom }
			: { kind: "uniform", slots: options.slots },
	monthDay: options.date,
});

const outcomes = new Map<string, Outcome>();
// max_tokens only matters to the carbon-weighing policies (it sizes the scarcity price).
const weighing = POLICIES.filter((p) => p.name !== "latency");
const capped = weighing.map((p) => routerStrategy(p, "cap"));
const sizeBlind = weighing.map((p) => routerStrategy(p, "none"));
for (const strategy of [
	nearest,
	roundRobin,
	carbonGreedy,
	...POLICIES.map((p) => routerStrategy(p)),
	...capped,
	...sizeBlind,
]) {
	outcomes.set(strategy.name, score(scenario, runOnline(scenario, strategy)));
}
const solveStarted = performance.now();
outcomes.set("optimum", score(scenario, solveOptimum(scenario)));
const optimumSolveMs = performance.now() - solveStarted;
outcomes.set("optimum:length-blind", score(scenario, solveOptimum(scenario, true)));

const rows = figures(outcomes, requests.length);
console.log(
	`routing quality: ${requests.length} requests from ${cities.length} cities, ${zones.length} zones, ` +
		`${scenario.zones.reduce((n, z) => n + z.slots, 0)} slots/min (${options.slots === undefined ? `demand x ${options.headroom}` : "uniform"}), ` +
		`carbon of ${options.date} (optimum solved in ${(optimumSolveMs / 1000).toFixed(1)} s)`,
);
const unreachable = unreachableCount(scenario);
console.log(
	`${unreachable} requests (${((100 * unreachable) / requests.length).toFixed(2)}%) have no zone within their bound at all`,
);
printQuality(rows);

const decisionCost = options["skip-decision-cost"] ? [] : measureDecisionGrid(cities, { name: "balanced" });
if (decisionCost.length > 0) {
	console.log("\ncost of one routing decision (constraints + rankZones, balanced, warm, median of 21 batches):");
	printDecisionCost(decisionCost);
}

const timeShift = options["skip-time-shift"]
	? undefined
	: runTimeShift({ date: options.date, days: options["shift-days"], seed: options.seed });
if (timeShift) {
	console.log(
		`\ntime-shifting deferrable batch work: ${timeShift.requests} requests over ${options["shift-days"]} days from ${options.date}, ` +
			`traced zones ${timeShift.zones.join(", ")}:`,
	);
	printTimeShift(timeShift);
}

const outDir = fileURLToPath(new URL("../results/", import.meta.url));
mkdirSync(outDir, { recursive: true });
const carbonSources = Object.fromEntries(zones.map((zone, i) => [zone.id, scenario.carbon[i]?.source]));
writeFileSync(
	`${outDir}/routing-quality.json`,
	`${JSON.stringify(
		{
			generatedAt: new Date().toISOString(),
			node: process.version,
			options,
			cities: cities.length,
			zones: zones.length,
			optimumSolveMs,
			unreachableRequests: unreachable,
			carbonSources,
			slots: Object.fromEntries(scenario.zones.map((zone) => [zone.id, zone.slots])),
			strategies: rows,
			decisionCost,
			timeShift,
		},
		null,
		2,
	)}\n`,
);
console.log(`\nwrote ${outDir}routing-quality.json`);
