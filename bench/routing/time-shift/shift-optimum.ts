/**
 * The offline optimum of time-shifting: with perfect foresight of every
 * zone's intensity and free slots, the least total intensity at which every
 * request starts inside its window. A min-cost flow: source -> arrival hour
 * (its requests) -> each hour of its window -> sink, one parallel arc per
 * zone with that zone's free slots at its intensity. Batch work has no
 * latency bound, so any zone may take any request.
 */
import { FlowNetwork } from "../min-cost-flow.js";
import type { ShiftOutcome, ShiftScenario } from "./shift-strategies.js";

/** Solves the optimum for one window length. */
export function shiftOptimum(s: ShiftScenario, windowHours: number): ShiftOutcome {
	const arrivals = new Map<number, number>();
	for (const b of s.batches)
		arrivals.set(b.arrival + s.firstHour, (arrivals.get(b.arrival + s.firstHour) ?? 0) + b.requests);
	const groups = [...arrivals];
	const source = 0;
	const sink = 1;
	const hourNode = (h: number) => 2 + groups.length + h;
	const net = new FlowNetwork(2 + groups.length + s.hours);
	let total = 0;
	groups.forEach(([arrival, count], g) => {
		total += count;
		net.addArc(source, 2 + g, count, 0);
		for (let h = arrival; h < Math.min(s.hours, arrival + windowHours); h++) net.addArc(2 + g, hourNode(h), count, 0);
	});
	for (let h = 0; h < s.hours; h++) {
		s.zones.forEach((zone, z) => {
			const slots = s.room.free[z]?.[h] ?? 0;
			if (slots > 0) net.addArc(hourNode(h), sink, slots, zone.hourly[h] ?? 0);
		});
	}
	const { flow, cost } = net.minCostFlow(source, sink, total);
	return { totalIntensity: cost, served: flow, late: total - flow };
}
