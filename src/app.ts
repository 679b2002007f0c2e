/**
 * The edge Worker's Hono app: the OpenAI-compatible client API (/v1), the
 * agent API (/agent/v1), the admin API (/admin/v1), /metrics, the operations
 * console (/console) and /healthz, with one
 * error handler for all of them.
 */
import { Hono } from "hono";
import { adminRoutes } from "./admin-api/routes.js";
import { agentRoutes } from "./agent-api/routes.js";
import { consoleRoutes } from "./console/routes.js";
import type { AppEnv } from "./http/app-env.js";
import { bodyLimit } from "./http/body-limit.js";
import { headerLimits } from "./http/header-limits.js";
import { routeMethods } from "./http/method-not-allowed.js";
import { notFound, onError } from "./http/on-error.js";
import { traceRequests } from "./http/request-trace.js";
import { metricsRoutes } from "./metrics/routes.js";
import { openaiRoutes } from "./openai/routes.js";

/** Builds the app; stateless, so one instance per isolate is fine. */
export function createApp(): Hono<AppEnv> {
	const app = new Hono<AppEnv>();
	// The trace first, so every answer carries its id; then input caps before any route (docs/security.md, "Input limits").
	app.use("*", traceRequests, headerLimits, bodyLimit);
	app.get("/healthz", (c) => c.json({ ok: true }));
	app.route("/v1", openaiRoutes);
	app.route("/agent/v1", agentRoutes);
	app.route("/admin/v1", adminRoutes);
	app.route("/metrics", metricsRoutes);
	app.route("/console", consoleRoutes);
	app.notFound(notFound(routeMethods(app)));
	app.onError(onError);
	return app;
}
