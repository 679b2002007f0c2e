/**
 * GET /admin/v1/keys/:id/usage: a key's limit counters now, read from its
 * KeyLimiterDO (requests available in the rate bucket, requests in flight,
 * tokens used and reserved this UTC day). `dev` names the bootstrap dev key.
 */
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import * as z from "zod";
import { database } from "../db/client.js";
import { apiKeys } from "../db/schema.js";
import type { AppEnv } from "../http/app-env.js";
import { NotFoundError } from "../http/errors.js";
import { validate } from "../http/validation.js";
import { keyLimiterStub } from "../limits/middleware.js";
import { apiKeyIdSchema } from "./key-schema.js";

const usageParamsSchema = z.object({ id: z.union([z.literal("dev"), apiKeyIdSchema]) });

/** 200 with the key's counters; 404 for an unknown key id. */
export async function keyUsageHandler(c: Context<AppEnv>): Promise<Response> {
	const { id } = validate(usageParamsSchema, { id: c.req.param("id") }, "path");
	if (id !== "dev") {
		const found = await database(c.env).select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.id, id)).get();
		if (!found) throw new NotFoundError(`No API key with id ${JSON.stringify(id)}.`, "key_not_found");
	}
	return c.json(await keyLimiterStub(c.env, id).usage({ keyId: id }));
}
