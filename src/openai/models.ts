/**
 * GET /v1/models: OpenAI's model list, made of the models that live nodes
 * serve now, narrowed to what the caller's API key may use: its allowed
 * models, served in a zone of its allowed regions.
 */
import type { Context } from "hono";
import { modelAllowed, zoneAllowedForKey } from "../auth/key-restrictions.js";
import type { AppEnv } from "../http/app-env.js";
import { servedModels, zoneDirectory } from "../routing/zone-directory.js";

/** Lists served models the key may use, sorted by id; `created` is when a zone first reported serving it (epoch s). */
export async function listModelsHandler(c: Context<AppEnv>): Promise<Response> {
	const client = c.get("client");
	const directory = await zoneDirectory(c.env);
	const zones = directory.zones.filter((zone) => zoneAllowedForKey(client, zone.regions));
	const models = servedModels({ ...directory, zones });
	const data = [...models.entries()]
		.filter(([id]) => modelAllowed(client, id))
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([id, since]) => ({ id, object: "model" as const, created: Math.floor(since / 1000), owned_by: "arcnet" }));
	return c.json({ object: "list", data });
}
