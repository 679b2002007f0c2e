/**
 * Per tenant refusals by limit, for GET /metrics: each API key's KeyLimiterDO
 * counts the requests its limits refused, and a scrape sums them per tenant.
 * Every key is asked, revoked ones too, so a tenant's sum never falls; the
 * keys asked per scrape are capped (MAX_KEYS_PER_SCRAPE, most recently used
 * first) to stay well inside a Worker's subrequest limit.
 */
import { desc, sql } from "drizzle-orm";
import { DEV_TENANT_ID } from "../auth/api-keys.js";
import { database } from "../db/client.js";
import { apiKeys } from "../db/schema.js";
import { log } from "../protocol/log-line.js";
import type { MetricFamily, Sample } from "../protocol/prometheus-text.js";

/** Most keys whose limiter one scrape asks; arcnet_tenant_refusal_keys_unread then counts 1 for those left out. */
export const MAX_KEYS_PER_SCRAPE = 500;

interface KeyOfTenant {
	keyId: string;
	tenantId: string;
}

async function keysToAsk(
	env: Pick<Env, "DB" | "ARCNET_DEV_API_KEY">,
): Promise<{ keys: KeyOfTenant[]; skipped: number }> {
	const rows = await database(env)
		.select({ keyId: apiKeys.id, tenantId: apiKeys.tenantId })
		.from(apiKeys)
		.orderBy(desc(sql`coalesce(${apiKeys.lastUsedAt}, 0)`), apiKeys.id)
		.limit(MAX_KEYS_PER_SCRAPE + 1)
		.all();
	const keys = rows.slice(0, MAX_KEYS_PER_SCRAPE);
	if (env.ARCNET_DEV_API_KEY) keys.push({ keyId: "dev", tenantId: DEV_TENANT_ID });
	return { keys, skipped: rows.length > MAX_KEYS_PER_SCRAPE ? 1 : 0 };
}

/** arcnet_tenant_refusals_total{tenant, reason}, and whether keys were left out of this scrape. */
export async function tenantRefusalFamilies(
	env: Pick<Env, "DB" | "KEY_LIMITER" | "ARCNET_DEV_API_KEY">,
): Promise<MetricFamily[]> {
	const { keys, skipped } = await keysToAsk(env);
	const sums = new Map<string, number>();
	let failed = 0;
	await Promise.all(
		keys.map(async ({ keyId, tenantId }) => {
			try {
				const counts = await env.KEY_LIMITER.get(env.KEY_LIMITER.idFromName(keyId)).refusals({ keyId });
				for (const [reason, count] of Object.entries(counts)) {
					const key = JSON.stringify([tenantId, reason]);
					sums.set(key, (sums.get(key) ?? 0) + count);
				}
			} catch (error) {
				failed++;
				log("error", "metrics_key_limiter_unanswered", { tenant: tenantId, error });
			}
		}),
	);
	const samples: Sample[] = [...sums]
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([key, value]) => {
			const [tenant, reason] = JSON.parse(key) as [string, string];
			return { labels: { tenant, reason }, value };
		});
	return [
		{
			name: "arcnet_tenant_refusals_total",
			help: "Requests of the tenant refused, by its per-key limits (rate, concurrency, daily_tokens) or for capacity after admission (no_capacity, queue_full, timeout).",
			type: "counter",
			samples,
		},
		{
			name: "arcnet_tenant_refusal_keys_unread",
			help: "Keys whose refusals this scrape could not read (over the per-scrape cap, or the limiter failed).",
			type: "gauge",
			samples: [{ labels: {}, value: skipped + failed }],
		},
	];
}
