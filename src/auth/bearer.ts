/**
 * Bearer-key middleware. The client API accepts tenant API keys from D1 and
 * the bootstrap ARCNET_DEV_API_KEY (tenant `tenant_dev`); the admin API
 * accepts the bootstrap ARCNET_ADMIN_KEY or a tenant key with the "admin"
 * scope. Every refusal of a presented key reads the same, so the answer is no
 * oracle for which keys exist, were revoked or belong to a disabled tenant.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/app-env.js";
import { AuthenticationError } from "../http/errors.js";
import { authenticateApiKey } from "./api-keys.js";
import type { ClientIdentity } from "./client-identity.js";
import { timingSafeEqualStrings } from "./crypto.js";
import { noteRefusedKey } from "./refused-key-events.js";

export { DEV_TENANT_ID } from "./api-keys.js";

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
	if (!header) return null;
	const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
	return match?.[1] ?? null;
}

function identify(c: Context<AppEnv>, token: string): Promise<ClientIdentity | null> {
	return authenticateApiKey(c.env, token, { waitUntil: (p) => c.executionCtx.waitUntil(p) });
}

/** Records the refusal in the console's event log, off the request's path. */
function logRefusal(c: Context<AppEnv>, token: string, api: "client" | "admin"): void {
	const write = noteRefusedKey(c.env, token, api);
	if (write) c.executionCtx.waitUntil(write);
}

function setClient(c: Context<AppEnv>, client: ClientIdentity): void {
	c.set("tenantId", client.tenantId);
	c.set("client", client);
}

/** Requires a usable client API key and records the caller (`tenantId`, `client`). */
export const requireApiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
	const token = bearerToken(c.req.header("authorization"));
	if (token === null) {
		throw new AuthenticationError("Missing API key: send it as `Authorization: Bearer <key>`.");
	}
	const client = await identify(c, token);
	if (!client) {
		logRefusal(c, token, "client");
		throw new AuthenticationError("Incorrect API key provided.");
	}
	setClient(c, client);
	await next();
};

/**
 * Requires ARCNET_ADMIN_KEY or a tenant key with the "admin" scope. Admin is
 * operator-wide: such a key manages every tenant, not only its own. A client
 * key without the scope gets the same 401 as a wrong key.
 */
export const requireAdminKey: MiddlewareHandler<AppEnv> = async (c, next) => {
	const token = bearerToken(c.req.header("authorization"));
	if (token === null) {
		throw new AuthenticationError("Missing admin key: send it as `Authorization: Bearer <key>`.");
	}
	if (c.env.ARCNET_ADMIN_KEY && timingSafeEqualStrings(token, c.env.ARCNET_ADMIN_KEY)) {
		await next();
		return;
	}
	const client = await identify(c, token);
	if (!client?.scopes.includes("admin")) {
		logRefusal(c, token, "admin");
		throw new AuthenticationError(
			'Incorrect admin key provided: use ARCNET_ADMIN_KEY or an API key with the "admin" scope.',
		);
	}
	setClient(c, client);
	await next();
};
