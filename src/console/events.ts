/** GET /console/api/events: the console's event log from D1 `events` (written by src/db/events.ts). */
import type { Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../http/app-env.js";
import { validate } from "../http/validation.js";

const eventsQuerySchema = z.object({
	/** Only events with a larger id (the last one the page holds). */
	after: z.coerce.number().int().min(0).default(0),
	limit: z.coerce.number().int().min(1).max(500).default(200),
});

/** GET /console/api/events?after=&limit=: newest first. */
export async function listEventsHandler(c: Context<AppEnv>): Promise<Response> {
	const q = validate(eventsQuerySchema, c.req.query(), "query");
	const { results } = await c.env.DB.prepare(
		"SELECT id, at, kind, zone_id AS zoneId, node_id AS nodeId, job_id AS jobId, message FROM events WHERE id > ? ORDER BY id DESC LIMIT ?",
	)
		.bind(q.after, q.limit)
		.all();
	return c.json({ data: results });
}
