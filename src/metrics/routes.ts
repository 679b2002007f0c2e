/**
 * GET /metrics: the fleet in the Prometheus text format, built on each scrape
 * from the zones' own state (docs/operations.md lists every series). Behind
 * ARCNET_METRICS_TOKEN or an admin key; it takes no query parameters.
 */
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.js";
import { InvalidRequestError } from "../http/errors.js";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheusText } from "../protocol/prometheus-text.js";
import { collectZones } from "./collect.js";
import { requireMetricsAccess } from "./metrics-auth.js";
import { nodeFamilies } from "./node-families.js";
import { tenantRefusalFamilies } from "./tenant-refusals.js";
import { zoneFamilies } from "./zone-families.js";

export const metricsRoutes = new Hono<AppEnv>();
metricsRoutes.use("*", requireMetricsAccess);
metricsRoutes.get("/", async (c) => {
	const params = Object.keys(c.req.queries());
	if (params.length > 0) {
		throw new InvalidRequestError(
			`GET /metrics takes no query parameters, got ${JSON.stringify(params[0])}.`,
			params[0] ?? null,
			"unknown_parameter",
		);
	}
	const [zones, refusals] = await Promise.all([collectZones(c.env), tenantRefusalFamilies(c.env)]);
	const body = renderPrometheusText([...zoneFamilies(zones, Date.now()), ...nodeFamilies(zones), ...refusals]);
	return c.body(body, 200, { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" });
});
