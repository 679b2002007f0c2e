/**
 * The strategies time-shifting is compared on, hour by hour over the same
 * batches and room: run-now (home zone, at arrival), space-only (the
 * cleanest zone with a free slot, at arrival), and the batch scheduler
 * (src/batches/slot-plan.ts) fed either the forecasts it would have had or
 * the actual future (to separate forecast error from the plan's own loss).
 */

import { type PlanRequest, type PlanZone, planSlots } from "../../../src/batches/slot-plan.js";
import { dailyProfileForecast, forecastAt } from "../../../src/carbon/forecast/index.js";
import type { BatchRoom, SimBatch } from "./batch-workload.js";
import type { ZoneHours } from "./hourly-traces.js";

const HOUR_MS = 3_600_000;
/** Days of past observations the daily profile is built from. */
const PROFILE_DAYS = 7;

/** What one strategy did with one window length. */
export interface ShiftOutcome {
	/** Sum over requests of the actual gCO2/kWh where and when each ran (x energy per request = grams). */
	totalIntensity: number;
	served: number;
	/** Requests that started after the last hour of their window, or never. */
	late: number;
}

/** The situation every strategy replays. */
export interface ShiftScenario {
	zones: readonly ZoneHours[];
	batches: readonly SimBatch[];
	room: BatchRoom;
	/** Hours simulated (arrivals end earlier; the rest lets every window close). */
	hours: number;
	/** First hour with arrivals; the hours before are the forecasts' history. */
	firstHour: number;
}

/** The safety margin in slots: past it a request runs wherever there is capacity. */
export function marginSlots(windowHours: number): number {
	return windowHours <= 1 ? 0 : Math.max(1, Math.floor(windowHours * 0.05));
}

interface Pending {
	arrival: number;
	home: number;
	left: number;
}

function intensity(s: ShiftScenario, z: number, h: number): number {
	return s.zones[z]?.hourly[h] ?? Number.POSITIVE_INFINITY;
}

/** Run-now (`order: "home"`) or space-only (`order: "cleanest"`): every request starts at arrival if any zone has a slot. */
export function runAtArrival(s: ShiftScenario, windowHours: number, order: "home" | "cleanest"): ShiftOutcome {
	const free = s.room.free.map((row) => [...row]);
	const out: ShiftOutcome = { totalIntensity: 0, served: 0, late: 0 };
	const queue: Pending[] = [];
	let next = 0;
	for (let h = 0; h < s.hours; h++) {
		while (next < s.batches.length && (s.batches[next]?.arrival ?? 0) + s.firstHour <= h) {
			const b = s.batches[next++];
			if (b) queue.push({ arrival: b.arrival + s.firstHour, home: b.home, left: b.requests });
		}
		const byIntensity = s.zones.map((_, z) => z).sort((a, b) => intensity(s, a, h) - intensity(s, b, h));
		for (const p of queue) {
			const zones = order === "home" ? [p.home, ...byIntensity.filter((z) => z !== p.home)] : byIntensity;
			for (const z of zones) {
				const row = free[z];
				const take = Math.min(p.left, row?.[h] ?? 0);
				if (take <= 0 || !row) continue;
				row[h] = (row[h] ?? 0) - take;
				p.left -= take;
				out.served += take;
				out.totalIntensity += take * intensity(s, z, h);
				if (h > p.arrival + windowHours - 1) out.late += take;
			}
		}
		queue.splice(0, queue.length, ...queue.filter((p) => p.left > 0));
	}
	out.late += queue.reduce((n, p) => n + p.left, 0);
	return out;
}

/** The forecast of zone z made at hour h from the hours before it (and h's live value), `horizon` slots long. */
function profileForecast(s: ShiftScenario, z: number, h: number, horizon: number): number[] {
	const zone = s.zones[z];
	if (!zone) return [];
	const history = [];
	for (let k = Math.max(0, h - PROFILE_DAYS * 24); k <= h; k++) {
		history.push({ atMs: k * HOUR_MS, gco2PerKwh: zone.hourly[k] ?? 0 });
	}
	const nowMs = h * HOUR_MS + 60_000;
	const forecast = dailyProfileForecast(zone.zoneId, history, nowMs, horizon, zone.hourly[h] ?? 0);
	return Array.from({ length: horizon }, (_, i) => forecastAt(forecast, (h + i) * HOUR_MS) ?? 0);
}

/** Mean absolute percentage error of the forecasts the scheduler used, 1 to `horizon` hours ahead. */
export interface ForecastError {
	mape: number;
	samples: number;
}

/** The batch scheduler, re-planning every hour with `forecast` ("profile": built from past data; "oracle": the actual future). */
export function runScheduler(
	s: ShiftScenario,
	windowHours: number,
	forecast: "profile" | "oracle",
): ShiftOutcome & { error: ForecastError } {
	const free = s.room.free.map((row) => [...row]);
	const out = { totalIntensity: 0, served: 0, late: 0, error: { mape: 0, samples: 0 } };
	let errorSum = 0;
	const margin = marginSlots(windowHours);
	let pending: Pending[] = [];
	let next = 0;
	const allZones = s.zones.map((_, z) => z);
	for (let h = 0; h < s.hours; h++) {
		while (next < s.batches.length && (s.batches[next]?.arrival ?? 0) + s.firstHour <= h) {
			const b = s.batches[next++];
			if (b) pending.push({ arrival: b.arrival + s.firstHour, home: b.home, left: b.requests });
		}
		if (pending.length === 0) continue;
		const horizon = windowHours;
		const zones: PlanZone[] = allZones.map((z) => {
			const predicted =
				forecast === "oracle"
					? Array.from({ length: horizon }, (_, i) => intensity(s, z, h + i))
					: profileForecast(s, z, h, horizon);
			if (forecast === "profile") {
				for (let i = 1; i < horizon && h + i < s.hours; i++) {
					const actual = intensity(s, z, h + i);
					errorSum += Math.abs((predicted[i] ?? 0) - actual) / actual;
					out.error.samples += 1;
				}
			}
			// Slot 0 is what the zone has free now; later slots are what the diurnal curve leaves.
			const freeAhead = Array.from({ length: horizon }, (_, i) =>
				i === 0 ? (free[z]?.[h] ?? 0) : (s.room.expectedFree[z]?.[h + i] ?? 0),
			);
			return { intensity: predicted, free: freeAhead };
		});
		const units: { p: Pending; request: PlanRequest }[] = [];
		for (const p of pending) {
			const latestSlot = p.arrival + windowHours - 1 - margin - h;
			for (let i = 0; i < p.left; i++) units.push({ p, request: { latestSlot, zones: allZones } });
		}
		const placements = planSlots(
			zones,
			units.map((u) => u.request),
		);
		placements.forEach((placement, i) => {
			const unit = units[i];
			if (placement?.slot !== 0 || !unit) return;
			const row = free[placement.zone];
			if (!row || (row[h] ?? 0) < 1) return;
			row[h] = (row[h] ?? 0) - 1;
			unit.p.left -= 1;
			out.served += 1;
			out.totalIntensity += intensity(s, placement.zone, h);
			if (h > unit.p.arrival + windowHours - 1) out.late += 1;
		});
		pending = pending.filter((p) => p.left > 0);
	}
	out.late += pending.reduce((n, p) => n + p.left, 0);
	out.error.mape = out.error.samples > 0 ? errorSum / out.error.samples : 0;
	return out;
}
