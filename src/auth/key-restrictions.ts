/**
 * The restrictions an API key carries beyond its scopes: the models it may
 * use and the region tags its jobs may run in. A model outside the list is a
 * 403 `model_not_allowed`. Regions are a hard routing constraint (see
 * routing/constraints.ts); when no enabled zone of the catalogue could ever
 * satisfy both the key's and the request's regions, the request gets a 403
 * `region_not_allowed` instead of a 503, because retrying cannot help.
 */
import { PermissionError } from "../http/errors.js";
import { type HardConstraints, regionsQualify } from "../routing/constraints.js";
import type { DirectoryZone } from "../routing/zone-directory.js";
import type { ClientIdentity } from "./client-identity.js";

/** True when the key may use `model` (a key without a model list may use any). */
export function modelAllowed(client: ClientIdentity, model: string): boolean {
	return client.allowedModels === null || client.allowedModels.includes(model);
}

/** Throws 403 `model_not_allowed` naming the model and the allowed ones. */
export function assertModelAllowed(client: ClientIdentity, model: string): void {
	if (modelAllowed(client, model)) return;
	throw new PermissionError(
		`This API key may not use model ${JSON.stringify(model)}; it may use ${JSON.stringify(client.allowedModels)}.`,
		"model_not_allowed",
	);
}

/** True when a zone carrying `zoneRegions` is one the key's jobs may run in. */
export function zoneAllowedForKey(client: ClientIdentity, zoneRegions: readonly string[]): boolean {
	return client.allowedRegions === null || client.allowedRegions.some((r) => zoneRegions.includes(r));
}

/**
 * The key's region constraint for the router (undefined when the key has
 * none). Throws 403 `region_not_allowed` when no zone of `catalogue` carries
 * both one of the request's tags (if it names any) and one of the key's.
 */
export function keyRegionConstraint(
	client: ClientIdentity,
	requested: readonly string[] | undefined,
	catalogue: readonly DirectoryZone[],
): Pick<HardConstraints, "allowedRegions"> {
	if (client.allowedRegions === null) return {};
	const allowedRegions = client.allowedRegions;
	const constraints = { allowedRegions, ...(requested ? { regions: requested } : {}) };
	if (catalogue.some((zone) => regionsQualify(zone.regions, constraints))) return { allowedRegions };
	const asked = requested && requested.length > 0 ? `the requested regions ${JSON.stringify(requested)} and ` : "";
	throw new PermissionError(
		`No zone matches ${asked}this API key's allowed regions ${JSON.stringify(client.allowedRegions)}.`,
		"region_not_allowed",
	);
}
