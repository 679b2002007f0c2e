/**
 * The chaos test's guarantees, checked against two independent records: what
 * each client saw, and what the zones persisted (every accepted job's row and
 * stored output, read from the GeozoneDOs' SQLite) plus D1's history. Each
 * broken guarantee becomes one line naming the job id, its states and the
 * client's view, so a failure says exactly what went wrong.
 */
import type { ClientOutcome } from "./client-outcome.js";
import type { PersistedState, ZoneJob } from "./persisted-state.js";
import type { ChaosLogEntry } from "./schedule.js";
import { type PlannedJob, tagFromPrompt } from "./workload.js";

const TERMINAL = new Set(["succeeded", "failed", "cancelled", "expired"]);

/** The verdict: broken guarantees and the figures to print. */
export interface Verdict {
	violations: string[];
	/** Label → count, in print order. */
	counts: [string, number][];
}

function clip(text: string | undefined, n = 80): string {
	if (text === undefined) return "(none)";
	return JSON.stringify(text.length > n ? `${text.slice(0, n)}…` : text);
}

function describeJob(j: ZoneJob): string {
	return `${j.jobId} (${j.kind}, status ${j.status}, attempts ${j.attempts}, node ${j.nodeId ?? "none"}, error ${j.errorCode ?? "none"})`;
}

/** Chaos events as absolute time spans, to say which ones a client lived through. */
export interface ChaosSpan {
	name: string;
	from: number;
	to: number;
}

/** The spans of logged events, given when the workload started. */
export function chaosSpans(log: readonly ChaosLogEntry[], workloadStartedAt: number): ChaosSpan[] {
	return log.map((e) => ({
		name: e.name,
		from: workloadStartedAt + e.startedMs,
		to: workloadStartedAt + e.startedMs + e.durationMs,
	}));
}

function describeClient(o: ClientOutcome | undefined, spans: readonly ChaosSpan[]): string {
	if (!o) return "no client outcome";
	const during = spans.filter((s) => s.from <= o.endedAt && s.to >= o.startedAt).map((s) => s.name);
	return `client ${o.kind} ${o.result}${o.status !== undefined ? ` HTTP ${o.status}` : ""}${o.errorCode ? ` ${o.errorCode}` : ""}${o.errorCode === "client_exception" ? ` (${o.errorMessage ?? ""})` : ""}${o.jobId ? ` id ${o.jobId}` : ""}; during: ${during.join(", ") || "no chaos event"}`;
}

/** How long after a Worker restart ends a client may still see its connection break because of it (ms). */
const RESTART_BREAK_GRACE_MS = 1_000;

/**
 * Whether a sync client's connection broke because the Worker restarted:
 * a transport error (no answer, no error event) seen while a restart ran.
 * A job can finish in its zone an instant before the process serving its
 * client dies; its answer is then lost on the wire, which HTTP cannot rule
 * out and the client sees as an unknown outcome (a broken connection, not an
 * error). That is counted, not a violation; every other success its client
 * did not get still is one.
 */
export function lostToWorkerRestart(o: ClientOutcome | undefined, spans: readonly ChaosSpan[]): boolean {
	if (!o || o.kind === "async" || o.result !== "broken") return false;
	return spans.some(
		(s) => s.name.includes("restart the Worker") && s.from <= o.endedAt && o.endedAt <= s.to + RESTART_BREAK_GRACE_MS,
	);
}

function tally(into: Map<string, number>, key: string): void {
	into.set(key, (into.get(key) ?? 0) + 1);
}

/** Checks every guarantee of the chaos test and counts what happened. */
export function verify(
	plan: readonly PlannedJob[],
	outcomes: readonly ClientOutcome[],
	persisted: PersistedState,
	spans: readonly ChaosSpan[],
): Verdict {
	const { zoneJobs, history } = persisted;
	const violations: string[] = [];
	const byTag = new Map<string, ZoneJob[]>();
	for (const job of zoneJobs) {
		const tag = tagFromPrompt(job.prompt);
		if (!tag) {
			violations.push(`zone job ${describeJob(job)} has no chaos tag in its prompt ${clip(job.prompt)}`);
			continue;
		}
		byTag.set(tag, [...(byTag.get(tag) ?? []), job]);
	}
	const outcomeByTag = new Map(outcomes.map((o) => [o.tag, o]));
	const planTags = new Set(plan.map((p) => p.tag));
	for (const tag of byTag.keys()) if (!planTags.has(tag)) violations.push(`zone jobs for ${tag}, which no client sent`);

	let d1Pending = 0;
	for (const job of zoneJobs) {
		// Exactly one terminal state: the row is terminal, and D1's history (once flushed) says the same.
		if (!TERMINAL.has(job.status))
			violations.push(
				`not terminal after the run: ${describeJob(job)}; ${describeClient(outcomeByTag.get(tagFromPrompt(job.prompt) ?? ""), spans)}`,
			);
		if (job.historyPending !== 0) {
			d1Pending++;
			continue;
		}
		const h = history.get(job.jobId);
		if (!h) violations.push(`flushed but missing from D1 jobs: ${describeJob(job)}`);
		else if (h.status !== job.status)
			violations.push(
				`two terminal states: zone says ${describeJob(job)}, D1 says ${h.status} (${h.errorCode ?? "no error"})`,
			);
	}

	// Lost jobs: the history knows them, or the API handed out their id, but their zone no longer holds them.
	const zoneIds = new Set(zoneJobs.map((j) => j.jobId));
	for (const h of history.values())
		if (!zoneIds.has(h.id))
			violations.push(
				`${h.id} is in D1 history (${h.status}, ${h.errorCode ?? "no error"}, zone ${h.zoneId}) but gone from its zone within the run`,
			);
	for (const o of outcomes) {
		if (o.kind !== "async" || !o.jobId) continue;
		const asyncId = persisted.asyncIdsByKey.get(o.tag);
		if (o.errorCode === "job_not_found")
			violations.push(
				`${o.tag}: async job ${o.jobId} was accepted (202) and later answered 404 job_not_found (${describeClient(o, spans)}); D1 history: ${history.get(o.jobId)?.status ?? "none"}`,
			);
		if (asyncId !== undefined && asyncId !== o.jobId)
			violations.push(
				`${o.tag}: POST /v1/jobs answered id ${o.jobId}, but D1 async_jobs maps its Idempotency-Key to ${asyncId}`,
			);
	}

	let lostInTransit = 0;
	for (const planned of plan) {
		const o = outcomeByTag.get(planned.tag);
		const jobs = byTag.get(planned.tag) ?? [];
		const succeeded = jobs.filter((j) => j.status === "succeeded");
		if (succeeded.length > 1)
			violations.push(`${planned.tag}: ran to success twice: ${succeeded.map(describeJob).join("; ")}`);
		for (const job of succeeded) {
			const stored = job.output.join("");
			if (stored !== planned.expected.content || new Set(job.outputSeqs).size !== job.outputSeqs.length)
				violations.push(
					`${planned.tag}: stored output of ${job.jobId} is ${clip(stored)}, expected ${clip(planned.expected.content)}`,
				);
			if (o?.result !== "succeeded" && lostToWorkerRestart(o, spans)) lostInTransit++;
			else if (o?.result !== "succeeded")
				violations.push(
					`${planned.tag}: ${describeJob(job)} succeeded but its output never reached its client (${describeClient(o, spans)})`,
				);
		}
		if (o?.result !== "succeeded") continue;
		if (o.content !== planned.expected.content)
			violations.push(
				`${planned.tag}: client ${o.kind} got ${clip(o.content)}, expected ${clip(planned.expected.content)} (job ${o.jobId ?? "?"})`,
			);
		if (o.deltas && o.deltas.join("") !== o.content)
			violations.push(`${planned.tag}: stream deltas do not add up to its content`);
		const [only] = succeeded;
		if (succeeded.length === 0)
			violations.push(
				`${planned.tag}: ${describeClient(o, spans)} but no zone job succeeded (zone jobs: ${jobs.map(describeJob).join("; ") || "none"})`,
			);
		else if (only && o.kind !== "async" && o.jobId !== only.jobId)
			violations.push(
				`${planned.tag}: the client's job id ${o.jobId ?? "(none)"} is not the job that succeeded, ${only.jobId}`,
			);
	}

	const counts: [string, number][] = [];
	const add = (label: string, n: number) => counts.push([label, n]);
	add("submitted", plan.length);
	for (const kind of ["sync", "stream", "async"] as const)
		add(`  submitted ${kind}`, plan.filter((p) => p.kind === kind).length);
	add("accepted (a zone wrote it)", plan.filter((p) => (byTag.get(p.tag)?.length ?? 0) > 0).length);
	add("zone jobs (attempts in another zone included)", zoneJobs.length);
	const statuses = new Map<string, number>();
	for (const job of zoneJobs)
		tally(statuses, job.status === "succeeded" ? "succeeded" : `${job.status}: ${job.errorCode ?? "no code"}`);
	for (const [label, n] of [...statuses].sort()) add(`  zone job ${label}`, n);
	add("  zone jobs leased more than once", zoneJobs.filter((j) => j.attempts > 1).length);
	add("  requests moved to another zone", [...byTag.values()].filter((js) => js.length > 1).length);
	add("  zone jobs not yet in D1 history", d1Pending);
	const results = new Map<string, number>();
	for (const o of outcomes)
		tally(results, o.result === "succeeded" ? "succeeded" : `${o.result}: ${o.errorCode ?? "no code"}`);
	for (const [label, n] of [...results].sort()) add(`client ${label}`, n);
	add(
		"client re-sends (refused / no capacity, nothing accepted)",
		outcomes.reduce((n, o) => n + o.resends, 0),
	);
	add(
		"client async status reads retried",
		outcomes.reduce((n, o) => n + o.pollRetries, 0),
	);
	add("successes whose answer a Worker restart cut in transit", lostInTransit);
	add("violations", violations.length);
	return { violations, counts };
}
