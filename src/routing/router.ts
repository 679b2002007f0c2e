/**
 * The router: given the requested model and the request's context, it orders
 * the zones that may take the job and explains why. This first cut is
 * `first-available` (live zones serving the model, most free slots first);
 * latency and carbon scoring will plug in behind the same interface.
 */
import type { ArcnetOptions } from "../protocol/openai.js";
import type { Directory, DirectoryZone } from "./zone-directory.js";

/** What a router may weigh about one request. */
export interface RouteContext {
	model: string;
	tenantId: string;
	/** Preferences from the `arcnet` body field; `regions` is a hard constraint. */
	options?: ArcnetOptions;
	/** Cloudflare's request.cf (client lat/lon, colo, country) when present; placeholder locally. */
	cf?: Request["cf"];
}

/** One zone considered for a job, with the figures the decision used. */
export interface CandidateRecord {
	zoneId: string;
	locationHint: string;
	freeSlots: number;
	queueDepth: number;
	liveNodes: number;
}

/** The router's answer: candidates in the order to try them, and the record kept with the job. */
export interface RoutePlan {
	strategy: string;
	candidates: CandidateRecord[];
	/** Zones left out and why (e.g. "region", "model", "no_live_node"). */
	excluded: { zoneId: string; reason: string }[];
}

/** A routing strategy. Pure: it reads the directory it is given and nothing else. */
export interface Router {
	route(context: RouteContext, directory: Directory): RoutePlan;
}

function excludeReason(zone: DirectoryZone, context: RouteContext): string | null {
	const regions = context.options?.regions;
	if (regions && regions.length > 0 && !regions.some((r) => zone.regions.includes(r))) return "region";
	if (zone.liveNodes <= 0) return "no_live_node";
	if (!zone.models.includes(context.model)) return "model";
	return null;
}

/** Live zones serving the model, most free slots first, then shortest queue, then id. */
export const firstAvailableRouter: Router = {
	route(context, directory) {
		const candidates: CandidateRecord[] = [];
		const excluded: RoutePlan["excluded"] = [];
		for (const zone of directory.zones) {
			const reason = excludeReason(zone, context);
			if (reason) {
				// Zones that never reported are noise in the record; keep only informative exclusions.
				if (reason !== "no_live_node" || zone.updatedAt > 0) excluded.push({ zoneId: zone.zoneId, reason });
				continue;
			}
			candidates.push({
				zoneId: zone.zoneId,
				locationHint: zone.locationHint,
				freeSlots: zone.freeSlots,
				queueDepth: zone.queueDepth,
				liveNodes: zone.liveNodes,
			});
		}
		candidates.sort(
			(a, b) => b.freeSlots - a.freeSlots || a.queueDepth - b.queueDepth || a.zoneId.localeCompare(b.zoneId),
		);
		return { strategy: "first-available", candidates, excluded };
	},
};
