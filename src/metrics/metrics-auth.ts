/**
 * Who may scrape GET /metrics: the dedicated ARCNET_METRICS_TOKEN secret
 * (optional; give it to Prometheus instead of an admin key), or what the admin
 * API accepts (ARCNET_ADMIN_KEY or a key with the "admin" scope).
 */
import type { MiddlewareHandler } from "hono";
import * as z from "zod";
import { bearerToken, requireAdminKey } from "../auth/bearer.js";
import { timingSafeEqualStrings } from "../auth/crypto.js";
import type { AppEnv } from "../http/app-env.js";

/** Shortest metrics token accepted: a shorter one is a configuration mistake, and it is refused. */
export const METRICS_TOKEN_MIN_LENGTH = 24;

const metricsEnvSchema = z.object({
	/** Optional secret: a bearer token that may read /metrics and nothing else. */
	ARCNET_METRICS_TOKEN: z.string().min(METRICS_TOKEN_MIN_LENGTH).optional(),
});

/** The configured metrics token, or undefined; throws naming the secret when it is too short. */
export function metricsToken(env: object): string | undefined {
	const parsed = metricsEnvSchema.safeParse(env);
	if (!parsed.success) {
		const raw = (env as { ARCNET_METRICS_TOKEN?: unknown }).ARCNET_METRICS_TOKEN;
		const length = typeof raw === "string" ? raw.length : 0;
		throw new Error(
			`ARCNET_METRICS_TOKEN: want a string of at least ${METRICS_TOKEN_MIN_LENGTH} characters, got ${typeof raw} of length ${length}`,
		);
	}
	return parsed.data.ARCNET_METRICS_TOKEN;
}

/** Admits the metrics token, else falls through to the admin API's check (same 401 for any other key). */
export const requireMetricsAccess: MiddlewareHandler<AppEnv> = async (c, next) => {
	const token = bearerToken(c.req.header("authorization"));
	const expected = metricsToken(c.env);
	if (token !== null && expected !== undefined && timingSafeEqualStrings(token, expected)) {
		await next();
		return;
	}
	await requireAdminKey(c, next);
};
