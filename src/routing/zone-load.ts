/**
 * The isolate's own view of each zone's load, kept between directory reads.
 * The directory is a snapshot (2 s per isolate, and what the zones last
 * flushed to D1), so every request of a burst would see the same free slots.
 * Two things correct it at once: each submit answer carries the zone's load
 * just after it (free slots, queue depth), and a submit still in flight from
 * this isolate counts as one slot taken until it is answered.
 */
import type { ZoneLoad } from "../../durable-objects/geozone/contract.js";

/** The last load a zone reported to this isolate, by zone id. */
const reported = new Map<string, ZoneLoad>();
/** Submits from this isolate not yet answered, by zone id. */
const inFlight = new Map<string, number>();

/** The figures a zone's load is judged by. */
export interface LoadFigures {
	freeSlots: number;
	queueDepth: number;
	/** Epoch ms of the figures (a directory row's `updatedAt`). */
	updatedAt: number;
}

/**
 * Slots of the zone a new job would find free: the newer of the directory's
 * figures and the zone's last submit answer, less its queue and this
 * isolate's unanswered submits (each takes a slot or joins the queue).
 */
export function availableSlots(zoneId: string, figures: LoadFigures): number {
	const last = reported.get(zoneId);
	const base = last && last.at >= figures.updatedAt ? last : figures;
	return Math.max(0, base.freeSlots - base.queueDepth - (inFlight.get(zoneId) ?? 0));
}

/** Runs one submit to `zoneId`, counting it in flight until it answers and keeping the load it reports. */
export async function trackSubmit<R extends { load?: ZoneLoad }>(zoneId: string, submit: () => Promise<R>): Promise<R> {
	inFlight.set(zoneId, (inFlight.get(zoneId) ?? 0) + 1);
	try {
		const answer = await submit();
		if (answer.load) noteLoad(zoneId, answer.load);
		return answer;
	} finally {
		const left = (inFlight.get(zoneId) ?? 1) - 1;
		if (left > 0) inFlight.set(zoneId, left);
		else inFlight.delete(zoneId);
	}
}

/** Keeps `load` as the zone's latest, unless a later one is already kept. */
export function noteLoad(zoneId: string, load: ZoneLoad): void {
	const last = reported.get(zoneId);
	if (!last || last.at <= load.at) reported.set(zoneId, load);
}

/** Forgets every report and in-flight count (tests). */
export function resetZoneLoad(): void {
	reported.clear();
	inFlight.clear();
}
