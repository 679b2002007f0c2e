/**
 * Minimum-cost flow by successive shortest paths, with Dijkstra on reduced
 * costs (Johnson potentials). The optimum's per-bucket problems are small
 * (tens of requests, tens of zones), so a dense O(V^2) Dijkstra is simpler and
 * as fast as a heap. Costs must be non-negative on the initial arcs.
 */

/** A flow network built arc by arc; `addArc` returns the arc's index for reading its flow back. */
export class FlowNetwork {
	private readonly to: number[] = [];
	private readonly cap: number[] = [];
	private readonly cost: number[] = [];
	private readonly adjacency: number[][];

	/** A network with `nodeCount` nodes, numbered 0..nodeCount-1. */
	constructor(readonly nodeCount: number) {
		this.adjacency = Array.from({ length: nodeCount }, () => []);
	}

	/** Adds an arc from -> to with integer capacity and cost >= 0, plus its residual twin. */
	addArc(from: number, to: number, capacity: number, cost: number): number {
		if (cost < 0) throw new Error(`arc ${from}->${to}: cost must be >= 0, got ${cost}`);
		const index = this.to.length;
		this.to.push(to, from);
		this.cap.push(capacity, 0);
		this.cost.push(cost, -cost);
		this.adjacency[from]?.push(index);
		this.adjacency[to]?.push(index + 1);
		return index;
	}

	/** Units of flow on the arc returned by addArc. */
	flowOn(arc: number): number {
		return this.cap[arc + 1] ?? 0;
	}

	/**
	 * Sends up to `maxFlow` units from `source` to `sink` at minimum total cost.
	 * Returns the flow sent and its cost; the flow is the maximum possible when less than asked.
	 */
	minCostFlow(source: number, sink: number, maxFlow: number): { flow: number; cost: number } {
		const n = this.nodeCount;
		const potential = new Array<number>(n).fill(0);
		const dist = new Array<number>(n);
		const viaArc = new Array<number>(n);
		const done = new Array<boolean>(n);
		let flow = 0;
		let totalCost = 0;
		while (flow < maxFlow) {
			dist.fill(Number.POSITIVE_INFINITY);
			viaArc.fill(-1);
			done.fill(false);
			dist[source] = 0;
			for (;;) {
				let u = -1;
				let best = Number.POSITIVE_INFINITY;
				for (let v = 0; v < n; v++) {
					const d = dist[v] ?? Number.POSITIVE_INFINITY;
					if (!done[v] && d < best) {
						best = d;
						u = v;
					}
				}
				if (u < 0) break;
				done[u] = true;
				const pu = potential[u] ?? 0;
				for (const arc of this.adjacency[u] ?? []) {
					if ((this.cap[arc] ?? 0) <= 0) continue;
					const v = this.to[arc] ?? 0;
					// Reduced costs are >= 0 up to rounding; clamp so float noise cannot break Dijkstra.
					const reduced = Math.max(0, (this.cost[arc] ?? 0) + pu - (potential[v] ?? 0));
					if (best + reduced < (dist[v] ?? Number.POSITIVE_INFINITY)) {
						dist[v] = best + reduced;
						viaArc[v] = arc;
					}
				}
			}
			if (!Number.isFinite(dist[sink] ?? Number.POSITIVE_INFINITY)) break;
			for (let v = 0; v < n; v++) {
				const d = dist[v] ?? Number.POSITIVE_INFINITY;
				if (Number.isFinite(d)) potential[v] = (potential[v] ?? 0) + d;
			}
			let push = maxFlow - flow;
			for (let v = sink; v !== source; v = this.to[(viaArc[v] ?? 0) ^ 1] ?? source) {
				push = Math.min(push, this.cap[viaArc[v] ?? 0] ?? 0);
			}
			for (let v = sink; v !== source; v = this.to[(viaArc[v] ?? 0) ^ 1] ?? source) {
				const arc = viaArc[v] ?? 0;
				this.cap[arc] = (this.cap[arc] ?? 0) - push;
				this.cap[arc ^ 1] = (this.cap[arc ^ 1] ?? 0) + push;
				totalCost += push * (this.cost[arc] ?? 0);
			}
			flow += push;
		}
		return { flow, cost: totalCost };
	}
}
