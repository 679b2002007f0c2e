/**
 * Refusals that no retry can cure, made before a request is routed: a model
 * no node has ever served (404 model_not_found, as OpenAI answers, so SDKs
 * stop retrying) and regions no zone carries (400 unknown_region, naming the
 * regions that exist). A known model without live capacity, or real regions
 * whose zones are busy, still get the router's 503 with Retry-After.
 */
import { database } from "../db/client.js";
import { modelEverServed } from "../db/models-seen.js";
import { ApiError, InvalidRequestError } from "../http/errors.js";
import { quoteValue } from "../http/validation.js";
import { type DirectoryZone, zoneDirectory } from "./zone-directory.js";

/** Models found in the job history, remembered per isolate (a model once served stays known). */
const knownModels = new Set<string>();
const KNOWN_MODELS_CAP = 1_000;

/**
 * Throws 404 model_not_found unless a zone reports `model` now or the job
 * history holds a job for it; D1 is read only on a miss. Handlers call it
 * after the key's admission, so a request over its rate is 429 either way.
 */
export async function assertModelKnown(env: Env, model: string): Promise<void> {
	if (knownModels.has(model)) return;
	// The router's own cached directory: a model some zone reports costs no D1 read.
	const { zones } = await zoneDirectory(env);
	if (zones.some((zone) => zone.models.includes(model))) return;
	if (await modelEverServed(database(env), model)) {
		if (knownModels.size >= KNOWN_MODELS_CAP) knownModels.clear();
		knownModels.add(model);
		return;
	}
	throw new ApiError(
		404,
		`The model ${quoteValue(model)} does not exist: no node has ever served it. GET /v1/models lists the models served now.`,
		{ type: "invalid_request_error", param: "model", code: "model_not_found" },
	);
}

/** Throws 400 unknown_region when none of `regions` is carried by a zone of `zones`, naming those that are. */
export function assertRegionsCarried(regions: readonly string[], zones: readonly DirectoryZone[], field: string): void {
	if (regions.length === 0) return;
	const carried = new Set(zones.flatMap((zone) => zone.regions));
	if (regions.some((r) => carried.has(r))) return;
	const existing = [...carried].sort();
	throw new InvalidRequestError(
		`${field}: expected a region that a zone carries (${existing.join(", ") || "none"}), got ${quoteValue(regions)}.`,
		field,
		"unknown_region",
	);
}
