/**
 * POST /admin/v1/zones and PATCH /admin/v1/zones/:id: manage the zone
 * catalogue. There is no DELETE: nodes, tokens and job history refer to a
 * zone, so an operator disables it (`enabled: false`) and it gets no new jobs.
 */
import type { Context } from "hono";
import { insertZone, updateZone, type ZoneChanges } from "../db/admin-zones.js";
import { database } from "../db/client.js";
import { listZonesWithStatus } from "../db/zones.js";
import type { AppEnv } from "../http/app-env.js";
import { ConflictError, NotFoundError } from "../http/errors.js";
import { jsonBody, validate } from "../http/validation.js";
import { zoneIdSchema } from "../protocol/agent-wire.js";
import { zoneDirectory } from "../routing/zone-directory.js";
import { checkEuPlacement } from "./eu-placement.js";
import { createZoneSchema, type PatchZone, patchZoneSchema } from "./zone-schema.js";
import { presentZone } from "./zones.js";

/** The zone as GET /admin/v1/zones shows it, read back after the write. */
async function readBack(c: Context<AppEnv>, id: string) {
	const rows = await listZonesWithStatus(database(c.env));
	const row = rows.find((r) => r.id === id);
	if (!row) throw new NotFoundError(`No zone with id ${JSON.stringify(id)}.`, "zone_not_found");
	return presentZone(row);
}

/** Other isolates see a change within the directory TTL (2 s); this one re-reads at once. */
async function refreshDirectory(c: Context<AppEnv>): Promise<void> {
	await zoneDirectory(c.env, { fresh: true });
}

/** Creates a zone; 201 with the zone, 409 `zone_exists` when the id is taken. */
export async function createZoneHandler(c: Context<AppEnv>): Promise<Response> {
	const body = await jsonBody(c, createZoneSchema);
	checkEuPlacement(c.env, body.id, body.regions);
	const { regions, enabled, ...rest } = body;
	const created = await insertZone(database(c.env), {
		...rest,
		regions: JSON.stringify(regions),
		enabled: enabled ?? true,
	});
	if (!created) {
		throw new ConflictError(
			`id: a zone with id ${JSON.stringify(body.id)} already exists; choose another id or PATCH /admin/v1/zones/${body.id}.`,
			"zone_exists",
		);
	}
	await refreshDirectory(c);
	return c.json(await readBack(c, body.id), 201);
}

/** The row changes of a PATCH body: regions are stored as JSON text, absent fields stay as they are. */
function toChanges(body: PatchZone): ZoneChanges {
	const { regions, ...rest } = body;
	return regions === undefined ? rest : { ...rest, regions: JSON.stringify(regions) };
}

/** Changes a zone's fields (not its id); 200 with the zone, 404 `zone_not_found` when unknown. */
export async function patchZoneHandler(c: Context<AppEnv>): Promise<Response> {
	const id = validate(zoneIdSchema, c.req.param("id"), "id");
	const body = await jsonBody(c, patchZoneSchema);
	checkEuPlacement(c.env, id, body.regions);
	if (!(await updateZone(database(c.env), id, toChanges(body)))) {
		throw new NotFoundError(`No zone with id ${JSON.stringify(id)}.`, "zone_not_found");
	}
	await refreshDirectory(c);
	return c.json(await readBack(c, id));
}
