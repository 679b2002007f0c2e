/** Typed access to BatchStoreDO: one per tenant, and the registry of tenants with unfinished batches. */

/** The stub of `tenantId`'s BatchStoreDO. */
export function batchStore(env: Pick<Env, "BATCHES">, tenantId: string) {
	return env.BATCHES.get(env.BATCHES.idFromName(`tenant:${tenantId}`));
}

/** The registry object: which tenants the cron's tick visits. */
export function batchRegistry(env: Pick<Env, "BATCHES">) {
	return env.BATCHES.get(env.BATCHES.idFromName("registry"));
}
