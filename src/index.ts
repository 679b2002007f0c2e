/**
 * The edge Worker's entry: the Hono app for HTTP, the cron handler, and the
 * GeozoneDO class that wrangler binds as GEOZONE.
 */
import { Hono } from "hono";

export { GeozoneDO } from "../durable-objects/geozone-do.js";

const app = new Hono<{ Bindings: Env }>();
app.get("/healthz", (c) => c.json({ ok: true }));

export default {
	fetch: app.fetch,
} satisfies ExportedHandler<Env>;
