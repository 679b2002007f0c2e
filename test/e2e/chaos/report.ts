/**
 * The chaos test's printout: the events as they happened, the counts, and the
 * broken guarantees, as plain fixed-width text for a terminal or a CI log.
 */

import type { ChaosLogEntry } from "./schedule.js";
import type { Verdict } from "./verify.js";

/** What the run was, besides the verdict. */
export interface RunFacts {
	jobs: number;
	seed: number;
	concurrency: number;
	asyncEnabled: boolean;
	workloadMs: number;
	totalMs: number;
	backendRequests: number;
	kills: number;
	agentRestarts: number;
	workerRestarts: number;
	linkCuts: number;
}

function pad(text: string, width: number): string {
	return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/** Formats the run as a few small tables. */
export function formatReport(facts: RunFacts, chaos: readonly ChaosLogEntry[], verdict: Verdict): string {
	const lines: string[] = [];
	lines.push(
		`chaos test: ${facts.jobs} jobs, seed ${facts.seed}, concurrency ${facts.concurrency}, async ${facts.asyncEnabled ? "on" : "off (no /v1/jobs on this edge)"}`,
	);
	lines.push(`workload ${(facts.workloadMs / 1000).toFixed(1)} s, whole run ${(facts.totalMs / 1000).toFixed(1)} s`);
	lines.push("");
	lines.push(`${pad("t (s)", 8)}${pad("done at start", 15)}${pad("in flight", 11)}${pad("took (s)", 10)}event`);
	for (const e of chaos) {
		const detail = e.error ? `FAILED: ${e.error}` : e.detail;
		lines.push(
			`${pad((e.startedMs / 1000).toFixed(1), 8)}${pad(String(e.finishedAtStart), 15)}${pad(String(e.outstandingAtStart), 11)}${pad((e.durationMs / 1000).toFixed(1), 10)}${e.name}${detail ? ` (${detail})` : ""}`,
		);
	}
	lines.push("");
	const rows: [string, number][] = [
		...verdict.counts,
		["agent SIGKILLs", facts.kills],
		["agent restarts", facts.agentRestarts],
		["Worker restarts", facts.workerRestarts],
		["link cuts longer than a lease", facts.linkCuts],
		["backend requests (all attempts)", facts.backendRequests],
	];
	const width = Math.max(...rows.map(([label]) => label.length)) + 2;
	for (const [label, n] of rows) lines.push(`${pad(label, width)}${n}`);
	if (verdict.violations.length > 0) {
		lines.push("");
		lines.push(`broken guarantees (${verdict.violations.length}):`);
		for (const v of verdict.violations.slice(0, 50)) lines.push(`  - ${v}`);
		if (verdict.violations.length > 50) lines.push(`  … and ${verdict.violations.length - 50} more`);
	}
	return lines.join("\n");
}
