/**
 * The benchmark's printed table: one block per edge (the edge, the direct
 * baseline measured interleaved with it in its phase, and what it adds),
 * then where an edge request's time goes (submit to agent receipt, and the
 * zone-side phases from D1), then the verdict on the target.
 */
import type { EdgeKind } from "./edges-under-test.js";
import type { JobPhases } from "./job-phases.js";
import type { Summary } from "./stats.js";

/** p50/p95/p99 of one figure, in ms. */
export type Percentiles = Pick<Summary, "p50" | "p95" | "p99">;

/** One path's latencies. */
export interface PathFigures {
	label: string;
	/** fetch() to last body byte, non-streaming. */
	total: Summary;
	/** fetch() to first body byte, streaming. */
	firstByte: Summary;
}

/** One edge's latencies, what it adds over the direct path, and where its time goes. */
export interface EdgeFigures extends PathFigures {
	kind: EdgeKind;
	/** The direct path, measured interleaved with this edge (each edge runs in a phase of its own). */
	direct: PathFigures;
	addedTotal: Percentiles;
	addedFirstByte: Percentiles;
	/** Client send to the agent holding the job (agent log stamp). */
	submitToReceipt: Summary & { matched: number; wanted: number };
	/** Agent holding the job to the edge acknowledging its last event post (agent log stamps). */
	inAgent: Summary;
	/** Zone-side phases from D1. */
	phases: JobPhases;
	/** CPU per non-streaming request over the measured window, in ms (NaN where not measured). */
	cpuPerRequest: CpuPerRequest;
	/** The minimal Node reverse proxy in front of the same backend, measured in the same phase, and what it adds. */
	proxy: PathFigures & { addedTotal: Percentiles; addedFirstByte: Percentiles };
	/** Requests that failed and were skipped, per path of the phase. */
	failedRequests: { edge: string[]; direct: string[]; proxy: string[] };
}

/** CPU ms per request of the processes behind an edge. */
export interface CpuPerRequest {
	/** workerd: the Worker, its Durable Objects and local D1, all on one thread (workerd direct only). */
	workerdMs: number;
	/** The agent process. */
	agentMs: number;
	/** The minimal Node reverse proxy, per request it carried. */
	proxyMs: number;
}

const WIDTH = 58;

function row(label: string, s: Percentiles, extra = ""): string {
	const cell = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(2)).padStart(9);
	return `${label.padEnd(WIDTH)}${cell(s.p50)}${cell(s.p95)}${cell(s.p99)}  ${extra}`.trimEnd();
}

/** The table's lines for `direct` and `edges` (the first edge is the primary figure). */
export function renderTable(edges: readonly EdgeFigures[], targetAddedP50Ms: number): string[] {
	const primary = edges[0];
	const lines = ["", `${"".padEnd(WIDTH)}${"p50 ms".padStart(9)}${"p95 ms".padStart(9)}${"p99 ms".padStart(9)}`];
	lines.push("non-streaming, fetch() to last byte");
	for (const e of edges) {
		lines.push(row(`  ${e.label}`, e.total, `n=${e.total.n}`));
		lines.push(row("    direct to backend, same phase (baseline)", e.direct.total, `n=${e.direct.total.n}`));
		lines.push(row("    added by the edge", e.addedTotal));
		lines.push(row("    minimal Node reverse proxy, same phase", e.proxy.total, `n=${e.proxy.total.n}`));
		lines.push(row("    added by the proxy (floor of any gateway here)", e.proxy.addedTotal));
	}
	lines.push("streaming, fetch() to first byte");
	for (const e of edges) {
		lines.push(row(`  ${e.label}`, e.firstByte, `n=${e.firstByte.n}`));
		lines.push(row("    direct to backend, same phase (baseline)", e.direct.firstByte, `n=${e.direct.firstByte.n}`));
		lines.push(row("    added to first byte", e.addedFirstByte));
		lines.push(row("    minimal Node reverse proxy, same phase", e.proxy.firstByte, `n=${e.proxy.firstByte.n}`));
		lines.push(row("    added to first byte by the proxy (floor)", e.proxy.addedFirstByte));
	}
	lines.push("where an edge request's time goes (non-streaming jobs)");
	for (const e of edges) {
		const r = e.submitToReceipt;
		const p = e.phases;
		lines.push(`  ${e.label}`);
		lines.push(row("    submit -> agent receipt (agent log, 1 ms stamps)", r, `${r.matched}/${r.wanted} jobs`));
		lines.push(row("    agent: receipt -> last event post acked", e.inAgent, `n=${e.inAgent.n}`));
		lines.push(row("    zone-side: D1 leased_at - received_at", p.dispatch, `${p.found}/${p.wanted} jobs in D1`));
		lines.push(row("    zone-side: D1 first_token_at - leased_at", p.leaseToFirstToken));
		lines.push(row("    zone-side: D1 finished_at - received_at", p.receivedToFinished));
		const cpu = (x: number) => (Number.isNaN(x) ? "-" : `${x.toFixed(2)} ms`);
		lines.push(
			`${"    CPU per request: workerd (Worker, DOs, D1) / agent".padEnd(WIDTH)}${cpu(e.cpuPerRequest.workerdMs).padStart(9)} / ${cpu(e.cpuPerRequest.agentMs)}`,
			`${"    CPU per request of the minimal Node proxy".padEnd(WIDTH)}${cpu(e.cpuPerRequest.proxyMs).padStart(9)}`,
		);
	}
	lines.push("");
	if (primary) {
		const met = primary.addedTotal.p50 <= targetAddedP50Ms;
		lines.push(
			`target: <= ${targetAddedP50Ms} ms added at p50 (non-streaming, ${primary.label}): ${met ? "MET" : "NOT MET"} (${primary.addedTotal.p50} ms)`,
		);
	}
	lines.push(
		"added = edge percentile - direct percentile (a difference of percentiles, so p99 may come out below p95).",
		"D1 stamps are whole ms taken inside workerd; the agent receipt includes the poll response's trip to the agent.",
		"",
	);
	return lines;
}
