/**
 * The models a client may use, as GET /v1/models shows them: each model a
 * live node serves in a zone the API key may use, allowed by the key, with
 * what ArcNet knows of it under `arcnet` (zones, endpoints, extra inputs,
 * context length). A model is known to a key when it appears here; other
 * endpoints that answer 404 `model_not_found` should ask `knownModel`.
 */
import type { ClientIdentity } from "../auth/client-identity.js";
import { modelAllowed, zoneAllowedForKey } from "../auth/key-restrictions.js";
import type { ModelObject } from "../protocol/model-object.js";
import { type ModelServing, mergeServing } from "../protocol/model-serving.js";
import { servingOf } from "../routing/model-details.js";
import type { Directory } from "../routing/zone-directory.js";

/** Who owns the models ArcNet lists: the network serves them, whatever their publisher. */
export const MODEL_OWNER = "arcnet";

/** The models `client` may use, sorted by id. */
export function modelCatalog(directory: Directory, client: ClientIdentity): ModelObject[] {
	const byModel = new Map<string, { zones: string[]; since: number; serving: ModelServing }>();
	for (const zone of directory.zones) {
		if (zone.liveNodes <= 0 || !zoneAllowedForKey(client, zone.regions)) continue;
		for (const model of zone.models) {
			const serving = servingOf(zone, model);
			if (!serving || !modelAllowed(client, model)) continue;
			const seen = byModel.get(model);
			if (!seen) byModel.set(model, { zones: [zone.zoneId], since: zone.updatedAt, serving });
			else {
				seen.zones.push(zone.zoneId);
				seen.since = Math.min(seen.since, zone.updatedAt);
				seen.serving = mergeServing(seen.serving, serving);
			}
		}
	}
	return [...byModel]
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([id, { zones, since, serving }]) => ({
			id,
			object: "model" as const,
			created: Math.floor(since / 1000),
			owned_by: MODEL_OWNER,
			arcnet: {
				zones: zones.sort(),
				endpoints: serving.endpoints,
				inputs: serving.inputs ?? [],
				context_length: serving.contextLength ?? null,
			},
		}));
}

/** The model `id` as `client` may use it, or null when it is unknown to the key (no live node, or not allowed). */
export function knownModel(directory: Directory, client: ClientIdentity, id: string): ModelObject | null {
	return modelCatalog(directory, client).find((m) => m.id === id) ?? null;
}
