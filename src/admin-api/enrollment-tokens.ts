/**
 * POST /admin/v1/enrollment-tokens: mints a one-time token that enrolls one
 * node into a zone. The token is shown once; only its SHA-256 is stored.
 * GET lists tokens (never the token or its hash); POST …/:id/revoke expires
 * an unused token at once.
 */
import type { Context } from "hono";
import * as z from "zod";
import { randomId, randomSecret, sha256Hex } from "../auth/crypto.js";
import {
	type EnrollmentTokenListing,
	listEnrollmentTokens,
	revokeEnrollmentToken,
} from "../db/admin-enrollment-tokens.js";
import { database } from "../db/client.js";
import { insertEnrollmentToken } from "../db/enrollment-tokens.js";
import { zoneExists } from "../db/zones.js";
import type { AppEnv } from "../http/app-env.js";
import { ConflictError, InvalidRequestError, NotFoundError } from "../http/errors.js";
import { jsonBody, validate } from "../http/validation.js";
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

/** Enrollment token ids: `enrtok_` + 24 lowercase alphanumerics. */
const enrollmentTokenIdSchema = z
	.string()
	.regex(/^enrtok_[a-z0-9]{24}$/, "a token id like enrtok_ followed by 24 characters");

/** Most tokens one list returns (500, newest first). */
export const MAX_LISTED_TOKENS = 500;

/** active, used or expired (a revoked token reads as expired) at `now`. */
function tokenStatus(token: EnrollmentTokenListing, now: number): "active" | "used" | "expired" {
	if (token.usedAt !== null) return "used";
	return token.expiresAt <= now ? "expired" : "active";
}

/** Lists the newest MAX_LISTED_TOKENS tokens with their status. */
export async function listEnrollmentTokensHandler(c: Context<AppEnv>): Promise<Response> {
	const now = Date.now();
	const tokens = await listEnrollmentTokens(database(c.env), MAX_LISTED_TOKENS);
	return c.json({ data: tokens.map((t) => ({ ...t, status: tokenStatus(t, now) })) });
}

/** Expires an unused token now; 200 with the token, 404 `token_not_found`, 409 `token_used` once it enrolled a node. */
export async function revokeEnrollmentTokenHandler(c: Context<AppEnv>): Promise<Response> {
	const id = validate(enrollmentTokenIdSchema, c.req.param("id"), "id");
	const now = Date.now();
	const token = await revokeEnrollmentToken(database(c.env), id, now);
	if (!token) throw new NotFoundError(`No enrollment token with id ${JSON.stringify(id)}.`, "token_not_found");
	if (token.usedAt !== null) {
		throw new ConflictError(
			`Enrollment token ${JSON.stringify(id)} already enrolled node ${JSON.stringify(token.nodeId)}; revoke the node instead (POST /admin/v1/nodes/:id/revoke).`,
			"token_used",
		);
	}
	return c.json({ ...token, status: tokenStatus(token, now) });
}
