/**
 * The batch scheduler's placement in space and time: each pending request
 * gets the (zone, slot) with the lowest forecast intensity inside its window
 * that still has batch capacity, requests with the earliest deadline first.
 * Slot 0 is now; a request is run when its plan says slot 0. Recomputed at
 * every tick, so a better forecast moves the plan.
 */

/** One zone as the planner sees it, per slot from now (index 0 = the current slot). */
export interface PlanZone {
	/** Forecast gCO2eq/kWh per slot. */
	intensity: readonly number[];
	/** Batch capacity per slot: the slots sync traffic is expected to leave free. */
	free: readonly number[];
}

/** One pending request. */
export interface PlanRequest {
	/** The last slot it may start in and still finish inside its window after the safety margin; 0 or less: now. */
	latestSlot: number;
	/** Indexes into the zones it may run in (its model's zones within its constraints). */
	zones: readonly number[];
}

/** Where and when a request should run; `null` when no slot in its window has capacity left. */
export type Placement = { zone: number; slot: number } | null;

/**
 * Places every request, earliest `latestSlot` first; ties go to the earlier
 * slot, so equal forecasts never delay work. A request past its safety margin
 * (latestSlot <= 0) may only take slot 0.
 */
export function planSlots(zones: readonly PlanZone[], requests: readonly PlanRequest[]): Placement[] {
	const left = zones.map((z) => [...z.free]);
	const order = requests
		.map((_, i) => i)
		.sort((a, b) => (requests[a]?.latestSlot ?? 0) - (requests[b]?.latestSlot ?? 0));
	const placements: Placement[] = new Array<Placement>(requests.length).fill(null);
	for (const i of order) {
		const request = requests[i];
		if (!request) continue;
		let best: Placement = null;
		let bestIntensity = Number.POSITIVE_INFINITY;
		const last = Math.max(0, request.latestSlot);
		for (let slot = 0; slot <= last; slot++) {
			for (const z of request.zones) {
				const intensity = zones[z]?.intensity[slot];
				if (intensity === undefined || (left[z]?.[slot] ?? 0) < 1) continue;
				if (intensity < bestIntensity) {
					best = { zone: z, slot };
					bestIntensity = intensity;
				}
			}
		}
		if (best) {
			const row = left[best.zone];
			if (row) row[best.slot] = (row[best.slot] ?? 0) - 1;
		}
		placements[i] = best;
	}
	return placements;
}
