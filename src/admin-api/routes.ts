/** The admin API under /admin/v1, behind ARCNET_ADMIN_KEY. */
import { Hono } from "hono";
import { requireAdminKey } from "../auth/bearer.js";
import type { AppEnv } from "../http/app-env.js";
import { createEnrollmentTokenHandler } from "./enrollment-tokens.js";
import { listNodesHandler, revokeNodeHandler } from "./nodes.js";
import { listTenantsHandler, patchTenantHandler } from "./tenants.js";
import { createZoneHandler, patchZoneHandler } from "./zone-writes.js";
import { listZonesHandler } from "./zones.js";

/**
 * Routes: POST /enrollment-tokens, GET /nodes, POST /nodes/:id/revoke,
 * GET|POST /zones, PATCH /zones/:id, GET /tenants, PATCH /tenants/:id.
 */
export const adminRoutes = new Hono<AppEnv>();
adminRoutes.use("*", requireAdminKey);
adminRoutes.post("/enrollment-tokens", createEnrollmentTokenHandler);
adminRoutes.get("/nodes", listNodesHandler);
adminRoutes.post("/nodes/:id/revoke", revokeNodeHandler);
adminRoutes.get("/zones", listZonesHandler);
adminRoutes.post("/zones", createZoneHandler);
adminRoutes.patch("/zones/:id", patchZoneHandler);
adminRoutes.get("/tenants", listTenantsHandler);
adminRoutes.patch("/tenants/:id", patchTenantHandler);
