/**
 * Scope checks for the client API: a route names the scope it needs, and a
 * key without it gets 403 naming the scope it lacks and the scopes it has.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env.js";
import { PermissionError } from "../http/errors.js";
import type { Scope } from "./client-identity.js";

/** Requires the caller's key (set by the API-key middleware) to carry `scope`. */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
	return async (c, next) => {
		const client = c.get("client");
		if (!client.scopes.includes(scope)) {
			throw new PermissionError(
				`This API key lacks the ${JSON.stringify(scope)} scope (it has ${JSON.stringify(client.scopes)}).`,
				"missing_scope",
			);
		}
		await next();
	};
}
