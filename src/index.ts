/**
 * The edge Worker's entry: the Hono app for HTTP, and the GeozoneDO class
 * that wrangler binds as GEOZONE.
 */
import { createApp } from "./app.js";
import { scheduled } from "./scheduled.js";

export { GeozoneDO } from "../durable-objects/geozone-do.js";
export { KeyLimiterDO } from "../durable-objects/key-limiter-do.js";

const app = createApp();

export default {
	fetch: app.fetch,
	scheduled,
} satisfies ExportedHandler<Env>;
