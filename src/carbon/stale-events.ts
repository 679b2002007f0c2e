/**
 * The console's carbon_stale events: a zone whose carbon signal starts
 * failing (its provider errs, so routing holds the last good reading or the
 * catalogue default) gets one event when it starts, not one per refresh.
 */
import { type NewEvent, recordEvents } from "../db/events.js";
import { log } from "../protocol/log-line.js";

/** Zones whose stored signal carries a provider error now. */
export async function failingZones(env: Pick<Env, "DB">): Promise<Set<string>> {
	const { results } = await env.DB.prepare("SELECT zone_id FROM carbon_signals WHERE last_error IS NOT NULL").all<{
		zone_id: string;
	}>();
	return new Set(results.map((r) => r.zone_id));
}

/** Records one carbon_stale event for each zone failing now that was not failing `before`; never throws. */
export async function recordNewlyStale(env: Pick<Env, "DB">, before: Set<string>, now = Date.now()): Promise<void> {
	try {
		const { results } = await env.DB.prepare(
			"SELECT zone_id, source, observed_at, last_error FROM carbon_signals WHERE last_error IS NOT NULL",
		).all<{ zone_id: string; source: string; observed_at: number; last_error: string }>();
		const events: NewEvent[] = results
			.filter((r) => !before.has(r.zone_id))
			.map((r) => ({
				kind: "carbon_stale",
				at: now,
				zoneId: r.zone_id,
				message: `carbon signal of ${r.zone_id} is failing (${r.last_error}); holding the ${r.source} reading from ${new Date(r.observed_at).toISOString()}`,
			}));
		await recordEvents(env, events);
	} catch (error) {
		log("error", "carbon_stale_events_not_recorded", { error });
	}
}
