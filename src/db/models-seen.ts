/**
 * Whether a model is known: a zone has reported a node serving it (enabled
 * or not, live or not) or the D1 job history holds a job for it. Used only
 * when no enabled zone reports the model now, to tell an unknown model (404)
 * from a known one without live capacity (503).
 */
import { eq, sql } from "drizzle-orm";
import type { Database } from "./client.js";
import { jobs, zoneStatus } from "./schema.js";

/** True when `model` is in some zone's reported models or in the job history; one D1 round trip. */
export async function modelEverServed(db: Database, model: string): Promise<boolean> {
	const [history, reported] = await db.batch([
		db.select({ id: jobs.id }).from(jobs).where(eq(jobs.model, model)).limit(1),
		db
			.select({ zoneId: zoneStatus.zoneId })
			.from(zoneStatus)
			.where(sql`exists (select 1 from json_each(${zoneStatus.models}) where value = ${model})`)
			.limit(1),
	]);
	return history.length > 0 || reported.length > 0;
}
