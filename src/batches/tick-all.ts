/** The cron's part of the batch scheduler: a tick for every tenant with unfinished batches. */

import { log } from "../protocol/log-line.js";
import { batchRegistry } from "./batch-stub.js";
import { tickTenant } from "./batch-tick.js";

/** Ticks every active tenant; never rejects. */
export async function tickAllBatches(env: Env, now = Date.now()): Promise<void> {
	try {
		const tenants = await batchRegistry(env).activeTenants();
		await Promise.all(tenants.map((tenantId) => tickTenant(env, tenantId, now)));
	} catch (err) {
		log("error", "batch_tenants_not_listed", { error: err });
	}
}
