/**
 * The deferrable workload and the room it may use: batches that arrive at
 * random hours, each with a home zone (where run-now sends it), and each
 * zone's hourly slots less what sync traffic takes. Sync load follows a
 * diurnal curve plus noise; the scheduler only knows the curve.
 */
import { mulberry32 } from "../prng.js";

/** One batch: `requests` one-slot-hour requests arriving at hour `arrival`, home zone index `home`. */
export interface SimBatch {
	arrival: number;
	requests: number;
	home: number;
}

/** The slots of each zone per hour, and the part sync traffic leaves free (actual and as expected). */
export interface BatchRoom {
	/** free[z][h]: slots batch work may use in zone z at hour h. */
	free: number[][];
	/** expectedFree[z][h]: what the scheduler assumes from the diurnal curve alone. */
	expectedFree: number[][];
}

/** Options of the deferrable workload. */
export interface WorkloadOptions {
	zones: number;
	/** Hours with arrivals (the evaluation period). */
	arrivalHours: number;
	/** Hours the room is built for (arrivals plus the longest window). */
	totalHours: number;
	batchesPerDay: number;
	/** Mean requests per batch (uniform from 1 to twice this). */
	meanRequests: number;
	slotsPerZone: number;
	seed: number;
}

/** Draws the batches and the room, the same for every strategy and window. */
export function batchWorkload(o: WorkloadOptions): { batches: SimBatch[]; room: BatchRoom } {
	const random = mulberry32(o.seed);
	const batches: SimBatch[] = [];
	const count = Math.round((o.batchesPerDay * o.arrivalHours) / 24);
	for (let i = 0; i < count; i++) {
		batches.push({
			arrival: Math.floor(random() * o.arrivalHours),
			requests: 1 + Math.floor(random() * 2 * o.meanRequests),
			home: Math.floor(random() * o.zones),
		});
	}
	batches.sort((a, b) => a.arrival - b.arrival);
	const free: number[][] = [];
	const expectedFree: number[][] = [];
	for (let z = 0; z < o.zones; z++) {
		// Each zone's sync peak at a different hour of the UTC day (they sit in different time zones).
		const peak = (z * 24) / o.zones;
		const actual: number[] = [];
		const expected: number[] = [];
		for (let h = 0; h < o.totalHours; h++) {
			const diurnal = 0.45 + 0.25 * Math.cos((2 * Math.PI * ((h % 24) - peak)) / 24);
			const noise = (random() - 0.5) * 0.1;
			expected.push(Math.round(o.slotsPerZone * (1 - diurnal)));
			actual.push(Math.max(0, Math.round(o.slotsPerZone * (1 - diurnal - noise))));
		}
		free.push(actual);
		expectedFree.push(expected);
	}
	return { batches, room: { free, expectedFree } };
}
