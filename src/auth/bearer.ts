/**
 * Bearer-key checks for the client API (ARCNET_DEV_API_KEY, tenant
 * `tenant_dev` until tenant keys exist) and the admin API (ARCNET_ADMIN_KEY).
 * Keys are compared in constant time.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env.js";
import { AuthenticationError } from "../http/errors.js";
import { timingSafeEqualStrings } from "./crypto.js";

/** The tenant every request with the dev key belongs to. */
export const DEV_TENANT_ID = "tenant_dev";

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
	if (!header) return null;
	const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
	return match?.[1] ?? null;
}

/** Requires the client API key and records the caller's tenant. */
export const requireApiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
	const token = bearerToken(c.req.header("authorization"));
	if (token === null) {
		throw new AuthenticationError("Missing API key: send it as `Authorization: Bearer <key>`.");
	}
	if (!c.env.ARCNET_DEV_API_KEY || !timingSafeEqualStrings(token, c.env.ARCNET_DEV_API_KEY)) {
		throw new AuthenticationError("Incorrect API key provided.");
	}
	c.set("tenantId", DEV_TENANT_ID);
	c.set("client", {
		tenantId: DEV_TENANT_ID,
		keyId: null,
		keyPrefix: "dev",
		scopes: ["inference", "jobs"],
		allowedModels: null,
		allowedRegions: null,
		limits: { ratePerMinute: null, maxConcurrent: null, dailyTokens: null },
	});
	await next();
};

/** Requires the admin key. */
export const requireAdminKey: MiddlewareHandler<AppEnv> = async (c, next) => {
	const token = bearerToken(c.req.header("authorization"));
	if (token === null) {
		throw new AuthenticationError("Missing admin key: send it as `Authorization: Bearer <key>`.");
	}
	if (!c.env.ARCNET_ADMIN_KEY || !timingSafeEqualStrings(token, c.env.ARCNET_ADMIN_KEY)) {
		throw new AuthenticationError("Incorrect admin key provided.");
	}
	await next();
};
