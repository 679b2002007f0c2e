/**
 * The admin API under /admin/v1, behind ARCNET_ADMIN_KEY or a tenant key with
 * the "admin" scope. Admin is operator-wide: it manages every tenant.
 */
import { Hono } from "hono";
import { requireAdminKey } from "../auth/bearer.js";
import type { AppEnv } from "../http/app-env.js";
import {
	createEnrollmentTokenHandler,
	listEnrollmentTokensHandler,
	revokeEnrollmentTokenHandler,
} from "./enrollment-tokens.js";
import { keyUsageHandler } from "./key-usage.js";
import { createKeyHandler, listKeysHandler, revokeKeyHandler } from "./keys.js";
import { listNodesHandler, revokeNodeHandler } from "./nodes.js";
import { createTenantHandler, listTenantsHandler, patchTenantHandler } from "./tenants.js";
import { createZoneHandler, patchZoneHandler } from "./zone-writes.js";
import { listZonesHandler } from "./zones.js";

/**
 * Routes: GET|POST /enrollment-tokens, POST /enrollment-tokens/:id/revoke,
 * GET /nodes, POST /nodes/:id/revoke, GET|POST /zones, PATCH /zones/:id,
 * GET|POST /tenants, PATCH /tenants/:id, GET|POST /keys, POST /keys/:id/revoke, GET /keys/:id/usage.
 */
export const adminRoutes = new Hono<AppEnv>();
adminRoutes.use("*", requireAdminKey);
adminRoutes.get("/enrollment-tokens", listEnrollmentTokensHandler);
adminRoutes.post("/enrollment-tokens", createEnrollmentTokenHandler);
adminRoutes.post("/enrollment-tokens/:id/revoke", revokeEnrollmentTokenHandler);
adminRoutes.get("/nodes", listNodesHandler);
adminRoutes.post("/nodes/:id/revoke", revokeNodeHandler);
adminRoutes.get("/zones", listZonesHandler);
adminRoutes.post("/zones", createZoneHandler);
adminRoutes.patch("/zones/:id", patchZoneHandler);
adminRoutes.get("/tenants", listTenantsHandler);
adminRoutes.post("/tenants", createTenantHandler);
adminRoutes.patch("/tenants/:id", patchTenantHandler);
adminRoutes.get("/keys", listKeysHandler);
adminRoutes.post("/keys", createKeyHandler);
adminRoutes.post("/keys/:id/revoke", revokeKeyHandler);
adminRoutes.get("/keys/:id/usage", keyUsageHandler);
