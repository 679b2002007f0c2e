/**
 * GET /console/api/carbon: gCO2 per 1,000 tokens per UTC day over 30 days,
 * and carbon avoided against nearest-zone routing (today, 7 and 30 days) per
 * tenant and per zone. Avoided is docs/d1-queries.md's formula:
 * Σ est_energy_j / 3.6e6 × (nearest_gco2_per_kwh − zone_gco2_per_kwh).
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env.js";

const DAY_MS = 86_400_000;

const SERIES_SQL = `SELECT date(received_at / 1000, 'unixepoch') AS day,
  COUNT(*) AS jobs,
  SUM(COALESCE(prompt_tokens, 0) + COALESCE(completion_tokens, 0)) AS tokens,
  ROUND(SUM(COALESCE(est_gco2, 0)), 6) AS gco2
FROM jobs WHERE received_at >= ?1 GROUP BY day ORDER BY day`;

const AVOIDED = "est_energy_j / 3.6e6 * (nearest_gco2_per_kwh - zone_gco2_per_kwh)";

function avoidedSql(column: "tenant_id" | "zone_id"): string {
	return `SELECT ${column} AS key,
  ROUND(SUM(CASE WHEN received_at >= ?1 THEN ${AVOIDED} ELSE 0 END), 6) AS today,
  ROUND(SUM(CASE WHEN received_at >= ?2 THEN ${AVOIDED} ELSE 0 END), 6) AS days7,
  ROUND(SUM(${AVOIDED}), 6) AS days30,
  COUNT(*) AS jobs
FROM jobs
WHERE received_at >= ?3 AND est_energy_j IS NOT NULL AND nearest_gco2_per_kwh IS NOT NULL AND zone_gco2_per_kwh IS NOT NULL
GROUP BY ${column} ORDER BY days30 DESC, key`;
}

interface AvoidedRow {
	key: string;
	today: number;
	days7: number;
	days30: number;
	jobs: number;
}

/** The windows' start times (epoch ms): the UTC day, 7 days back, 30 days back. */
export function carbonWindows(nowMs: number): { today: number; days7: number; days30: number } {
	const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
	return { today, days7: nowMs - 7 * DAY_MS, days30: nowMs - 30 * DAY_MS };
}

function totals(rows: AvoidedRow[]): { today: number; days7: number; days30: number } {
	return rows.reduce(
		(sum, r) => ({ today: sum.today + r.today, days7: sum.days7 + r.days7, days30: sum.days30 + r.days30 }),
		{ today: 0, days7: 0, days30: 0 },
	);
}

/** The carbon view's figures. */
export async function carbonHandler(c: Context<AppEnv>): Promise<Response> {
	const w = carbonWindows(Date.now());
	const [series, byTenant, byZone] = await c.env.DB.batch<Record<string, unknown>>([
		c.env.DB.prepare(SERIES_SQL).bind(w.days30),
		c.env.DB.prepare(avoidedSql("tenant_id")).bind(w.today, w.days7, w.days30),
		c.env.DB.prepare(avoidedSql("zone_id")).bind(w.today, w.days7, w.days30),
	]);
	const tenants = (byTenant?.results ?? []) as unknown as AvoidedRow[];
	const zones = (byZone?.results ?? []) as unknown as AvoidedRow[];
	return c.json({
		series: (series?.results ?? []).map((r) => {
			const tokens = Number(r.tokens);
			const gco2 = Number(r.gco2);
			return { day: r.day, jobs: r.jobs, tokens, gco2, gco2Per1kTokens: tokens > 0 ? (gco2 / tokens) * 1000 : null };
		}),
		avoided: { total: totals(tenants), byTenant: tenants, byZone: zones },
	});
}
