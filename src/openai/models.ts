/** GET /v1/models: OpenAI's model list, made of the models that live nodes serve now. */
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env.js";
import { servedModels, zoneDirectory } from "../routing/zone-directory.js";

/** Lists served models, sorted by id; `created` is when a zone first reported serving it (epoch s). */
export async function listModelsHandler(c: Context<AppEnv>): Promise<Response> {
	const models = servedModels(await zoneDirectory(c.env));
	const data = [...models.entries()]
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([id, since]) => ({ id, object: "model" as const, created: Math.floor(since / 1000), owned_by: "arcnet" }));
	return c.json({ object: "list", data });
}
