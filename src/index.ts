/**
 * The edge Worker's entry: the Hono app for HTTP, the Cron Trigger, and the
 * Durable Object classes wrangler binds: GeozoneDO as GEOZONE, KeyLimiterDO
 * as KEY_LIMITER, BatchStoreDO as BATCHES.
 */
import { createApp } from "./app.js";
import { scheduled } from "./scheduled.js";

export { BatchStoreDO } from "../durable-objects/batch-store-do.js";
export { GeozoneDO } from "../durable-objects/geozone-do.js";
export { KeyLimiterDO } from "../durable-objects/key-limiter-do.js";

const app = createApp();

export default {
	fetch: app.fetch,
	scheduled,
} satisfies ExportedHandler<Env>;
