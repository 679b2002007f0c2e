/**
 * POST /admin/v1/enrollment-tokens: mints a one-time token that enrolls one
 * node into a zone. The token is shown once; only its SHA-256 is stored.
 */
import type { Context } from "hono";
import { z } from "zod";
import { randomId, randomSecret, sha256Hex } from "../auth/crypto.js";
import { database } from "../db/client.js";
import { insertEnrollmentToken } from "../db/enrollment-tokens.js";
import { zoneExists } from "../db/zones.js";
import type { AppEnv } from "../http/app-env.js";
import { InvalidRequestError } from "../http/errors.js";
import { jsonBody } from "../http/validation.js";
import { zoneIdSchema } from "../protocol/agent-wire.js";

/** Default token lifetime: 1 hour. */
export const DEFAULT_TOKEN_TTL_S = 3600;
/** Longest token lifetime: 7 days. */
export const MAX_TOKEN_TTL_S = 7 * 24 * 3600;

/** Body: the zone, an optional lifetime in seconds (default 3600, 60 to 604800) and a note. */
export const createEnrollmentTokenSchema = z
	.object({
		zoneId: zoneIdSchema,
		ttlSeconds: z.number().int().min(60).max(MAX_TOKEN_TTL_S).optional(),
		note: z.string().max(200).optional(),
	})
	.strict();

/** Creates a token; answers {id, token, zoneId, expiresAt} with 201. */
export async function createEnrollmentTokenHandler(c: Context<AppEnv>): Promise<Response> {
	const body = await jsonBody(c, createEnrollmentTokenSchema);
	const db = database(c.env);
	if (!(await zoneExists(db, body.zoneId))) {
		throw new InvalidRequestError(
			`zoneId: expected an enabled zone of the catalogue (GET /admin/v1/zones), got ${JSON.stringify(body.zoneId)} (string)`,
			"zoneId",
			"unknown_zone",
		);
	}
	const token = randomSecret("enr_");
	const now = Date.now();
	const row = {
		id: randomId("enrtok_"),
		tokenHash: await sha256Hex(token),
		zoneId: body.zoneId,
		createdAt: now,
		expiresAt: now + (body.ttlSeconds ?? DEFAULT_TOKEN_TTL_S) * 1000,
		note: body.note ?? null,
	};
	await insertEnrollmentToken(db, row);
	return c.json({ id: row.id, token, zoneId: row.zoneId, expiresAt: row.expiresAt }, 201);
}
