/**
 * A zone tagged "eu" takes requests pinned to eu, so where the deployment keeps
 * EU zones in the EU jurisdiction (GEOZONE_EU_ZONES is set) the tag is refused
 * for a zone the list lacks: its GeozoneDO, and the prompts it queues, would
 * live outside the EU. A deployment with an empty list (local dev) is not checked.
 */
import { InvalidRequestError } from "../http/errors.js";
import { euZones } from "../protocol/geozone-placement.js";

/** The region tag whose zones must live in the EU jurisdiction. */
export const EU_REGION_TAG = "eu";

/** Throws 400 naming `regions` when they tag a zone eu that GEOZONE_EU_ZONES does not list. */
export function checkEuPlacement(
	env: { GEOZONE_EU_ZONES?: string },
	zoneId: string,
	regions: readonly string[] | undefined,
): void {
	if (!regions?.includes(EU_REGION_TAG)) return;
	const listed = euZones(env.GEOZONE_EU_ZONES);
	if (listed.size === 0 || listed.has(zoneId)) return;
	throw new InvalidRequestError(
		`regions: ${JSON.stringify(regions)} tags zone ${zoneId} "eu", but GEOZONE_EU_ZONES does not list it, so its GeozoneDO would run outside the EU jurisdiction; add ${zoneId} to GEOZONE_EU_ZONES and deploy first (docs/deploy.md, "EU zones"), or leave "eu" out.`,
		"regions",
		"eu_zone_outside_jurisdiction",
	);
}
