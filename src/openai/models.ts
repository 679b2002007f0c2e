/**
 * GET /v1/models and GET /v1/models/{id}: OpenAI's model objects for the
 * models live nodes serve now, narrowed to what the caller's API key may use
 * (model-catalog.ts). An id the key does not know answers 404
 * `model_not_found`, in OpenAI's error shape.
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env.js";
import { zoneDirectory } from "../routing/zone-directory.js";
import { knownModel, modelCatalog } from "./model-catalog.js";
import { ModelNotFoundError } from "./model-not-found.js";

/** Lists the models the key may use, sorted by id. */
export async function listModelsHandler(c: Context<AppEnv>): Promise<Response> {
	const data = modelCatalog(await zoneDirectory(c.env), c.get("client"));
	return c.json({ object: "list", data });
}

/** One model the key may use, or 404 `model_not_found`. Ids may hold `/` (`meta-llama/Llama-3.1-8B-Instruct`). */
export async function getModelHandler(c: Context<AppEnv>): Promise<Response> {
	const id = c.req.param("id") ?? "";
	const model = knownModel(await zoneDirectory(c.env), c.get("client"), id);
	if (!model) throw new ModelNotFoundError(id);
	return c.json(model);
}
