/**
 * The operations console under /console: its static page (Workers static
 * assets, env.ASSETS) and its JSON API under /console/api, behind a session
 * cookie obtained with the admin key (docs/console.md, docs/security.md).
 */
import { type Context, Hono } from "hono";
import { createEnrollmentTokenHandler, listEnrollmentTokensHandler } from "../admin-api/enrollment-tokens.js";
import { createKeyHandler, listKeysHandler, revokeKeyHandler } from "../admin-api/keys.js";
import { revokeNodeHandler } from "../admin-api/nodes.js";
import { createTenantHandler, listTenantsHandler, patchTenantHandler } from "../admin-api/tenants.js";
import { patchZoneHandler } from "../admin-api/zone-writes.js";
import type { AppEnv } from "../http/app-env.js";
import { requireConsoleSession, sessionHandler, signInHandler, signOutHandler } from "./auth.js";
import { carbonHandler } from "./carbon.js";
import { recordAfter } from "./event-hooks.js";
import { listEventsHandler } from "./events.js";
import { fleetHandler } from "./fleet.js";
import { jobHandler, listJobsHandler } from "./jobs.js";
import { withSecurityHeaders } from "./security-headers.js";

/** The console's JSON API: session, read views, and the admin actions it offers. */
const api = new Hono<AppEnv>();
api.use("*", async (c, next) => {
	await next();
	c.res = withSecurityHeaders(c.res, "no-store");
});
api.post("/session", signInHandler);
api.get("/session", sessionHandler);
api.use("*", requireConsoleSession);
api.delete("/session", signOutHandler);
api.get("/fleet", fleetHandler);
api.get("/jobs", listJobsHandler);
api.get("/jobs/:id", jobHandler);
api.get("/carbon", carbonHandler);
api.get("/events", listEventsHandler);
api.get("/admin/keys", listKeysHandler);
api.post("/admin/keys", createKeyHandler);
api.post("/admin/keys/:id/revoke", revokeKeyHandler);
api.get("/admin/tenants", listTenantsHandler);
api.post("/admin/tenants", createTenantHandler);
api.patch("/admin/tenants/:id", patchTenantHandler);
api.get("/admin/enrollment-tokens", listEnrollmentTokensHandler);
api.post("/admin/enrollment-tokens", createEnrollmentTokenHandler);
api.post("/admin/nodes/:id/revoke", recordAfter(revokeNodeHandler, "node_revoked"));
api.patch("/admin/zones/:id", recordAfter(patchZoneHandler, "zone_toggled"));

async function servePage(c: Context<AppEnv>): Promise<Response> {
	const url = new URL(c.req.url);
	if (url.pathname === "/console") return c.redirect("/console/", 308);
	const response = await c.env.ASSETS.fetch(new Request(url, { method: c.req.method, headers: c.req.raw.headers }));
	return withSecurityHeaders(response, "revalidate");
}

/** Mounted at /console. */
export const consoleRoutes = new Hono<AppEnv>();
consoleRoutes.route("/api", api);
consoleRoutes.get("/", servePage);
consoleRoutes.get("/*", servePage);
