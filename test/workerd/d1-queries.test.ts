/**
 * Runs every query of docs/d1-queries.md against the migrated D1 holding a
 * known set of jobs, nodes, zone status, carbon signals and their history,
 * and node telemetry minutes, and checks each
 * result against values worked out by hand (in the comments). A query added
 * to the doc without an expected result here fails the suite.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import doc from "../../docs/d1-queries.md?raw";
import { FRA, historyExpected, historySeed, PAR, table } from "./d1-history-seed.js";

interface DocQuery {
	title: string;
	sql: string;
	command: string | undefined;
}

/** Splits the doc into `## title` sections, each with its `sh` usage line and `sql` block. */
function parseQueries(markdown: string): DocQuery[] {
	return markdown
		.split(/^## /m)
		.slice(1)
		.map((section) => {
			const title = section.slice(0, section.indexOf("\n")).trim();
			const sql = /```sql\n([\s\S]*?)```/.exec(section)?.[1]?.trim() ?? "";
			const command = /```sh\n([\s\S]*?)\n```/.exec(section)?.[1];
			return { title, sql, command };
		});
}

const oneLine = (sql: string) => sql.replace(/\s+/g, " ").replace(/\( /g, "(").replace(/ \)/g, ")");

const S = 1000;
const MIN = 60 * S;
const B1 = Date.parse("2026-11-20T10:00:00Z");
const B2 = Date.parse("2026-11-21T09:00:00Z");
const B3 = Date.parse("2026-11-20T12:00:00Z");
const ORE = "us-oregon";

// Paris (33 g/kWh) serves jobs whose nearest zone is Frankfurt (341 g/kWh). Oregon job k (1..20) takes k s end to
// end and k x 100 ms to its first token, with no node and no energy estimate: 20 jobs for the percentiles.
const SEED_JOBS = `INSERT INTO jobs (id, tenant_id, model, stream, zone_id, node_id, status, received_at, leased_at, first_token_at,
  finished_at, prompt_tokens, completion_tokens, error_code, policy, est_latency_ms, zone_gco2_per_kwh, nearest_zone_id,
  nearest_gco2_per_kwh, est_energy_j, est_gco2) VALUES
 ('j1', 't-acme', 'm', 0, 'eu-paris', 'n-par-1', 'succeeded', ${B1}, ${B1 + 1 * S}, ${B1 + 3 * S}, ${B1 + 601 * S}, 10, 100, NULL, 'carbon', 20, 33, 'eu-frankfurt', 341, 3600, 0.033),
 ('j2', 't-acme', 'm', 0, 'eu-paris', 'n-par-1', 'succeeded', ${B1 + 10 * S}, ${B1 + 11 * S}, ${B1 + 15 * S}, ${B1 + 1211 * S}, 20, 200, NULL, 'carbon', 22, 33, 'eu-frankfurt', 341, 7200, 0.066),
 ('j8', 't-acme', 'm', 0, 'eu-paris', 'n-par-1', 'succeeded', ${B1 + 20 * S}, ${B1 + 21 * S}, ${B1 + 22 * S}, ${B1 + 381 * S}, 5, 50, NULL, 'carbon', 21, 33, 'eu-frankfurt', 341, 0, 0),
 ('j3', 't-acme', 'm', 0, 'eu-frankfurt', 'n-fra-1', 'succeeded', ${B1 + 30 * S}, ${B1 + 30_500}, ${B1 + 32_500}, ${B1 + 930_500}, 10, 100, NULL, 'latency', 5, 341, 'eu-frankfurt', 341, 3600, 0.341),
 ('j4', 't-acme', 'm', 0, 'eu-frankfurt', 'n-fra-1', 'failed', ${B1 + 40 * S}, ${B1 + 41 * S}, NULL, ${B1 + 941 * S}, NULL, NULL, 'backend_error', 'latency', 7, 341, 'eu-frankfurt', 341, NULL, NULL),
 ('j5', 't-acme', 'm', 0, 'eu-paris', 'n-par-1', 'succeeded', ${B2}, ${B2 + 2 * S}, ${B2 + 4 * S}, ${B2 + 722 * S}, 100, 1000, NULL, 'balanced', 21, 33, 'eu-frankfurt', 341, 36000, 0.33),
 ('j6', 't-acme', 'm', 0, 'eu-frankfurt', NULL, 'failed', ${B2 + 5 * S}, NULL, NULL, ${B2 + 6 * S}, NULL, NULL, 'no_capacity', 'balanced', 5, 341, 'eu-frankfurt', 341, NULL, NULL),
 ('j7', 't-acme', 'm', 0, 'eu-frankfurt', 'n-fra-1', 'failed', ${B2 + 10 * S}, ${B2 + 11 * S}, NULL, ${B2 + 371 * S}, NULL, NULL, 'backend_error', 'balanced', 5, 341, 'eu-frankfurt', 341, NULL, NULL),
${Array.from({ length: 20 }, (_, i) => {
	const k = i + 1;
	const r = B3 + k * MIN;
	return ` ('o${k}', 't-beta', 'm', 0, 'us-oregon', NULL, 'succeeded', ${r}, NULL, ${r + k * 100}, ${r + k * S}, NULL, NULL, NULL, 'latency', 10, 109, 'us-oregon', 109, NULL, NULL)`;
}).join(",\n")}`;

let seededAt = 0;
/** The first of the hot minutes seeded two hours before the seed (whole minutes). */
let hotFrom = 0;

beforeAll(async () => {
	const db = env.DB;
	const insertSignal = db.prepare(
		`INSERT INTO carbon_signals (zone_id, grid_zone, gco2_per_kwh, source, observed_at, fetched_at, last_error, last_error_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
	);
	seededAt = Date.now();
	hotFrom = seededAt - 2 * 3_600_000 - (seededAt % MIN);
	await db.batch([
		...historySeed(db, hotFrom),
		db.prepare(SEED_JOBS),
		// j1 and j5 ran on nodes that measured their energy; the other jobs with energy were estimated.
		db.prepare(`UPDATE jobs SET energy_source = CASE WHEN id IN ('j1', 'j5') THEN 'measured'
			WHEN est_energy_j IS NOT NULL THEN 'estimated' END`),
		// j5 and j6 are the attempts of one request, traced under the client's trace id.
		db.prepare("UPDATE jobs SET trace_id = '4bf92f3577b34da6a3ce929d0e0e4736' WHERE id IN ('j5', 'j6')"),
		db.prepare(`INSERT INTO nodes (id, zone_id, name, public_key_jwk, agent_version, enrolled_at) VALUES
			('n-par-1', 'eu-paris', 'paris-gpu-1', '{}', '1.0.0', 0), ('n-fra-1', 'eu-frankfurt', 'frankfurt-gpu-1', '{}', '1.0.0', 0)`),
		// Paris: 4 slots on 1 node; Frankfurt: 4 slots on 2 nodes.
		db.prepare(`INSERT INTO zone_status (zone_id, live_nodes, models, slots, free_slots, queue_depth, updated_at) VALUES
			('eu-paris', 1, '[]', 4, 4, 0, 0), ('eu-frankfurt', 2, '[]', 4, 4, 0, 0)`),
		// Ages of 90 and 200 whole minutes, with 30 s to spare either side of the minute.
		insertSignal.bind(PAR, "FR", 40, "electricitymaps", seededAt - 90 * MIN - 30 * S, seededAt - 90 * MIN, null, null),
		insertSignal.bind(
			FRA,
			"DE",
			320,
			"electricitymaps",
			seededAt - 200 * MIN - 30 * S,
			seededAt - 200 * MIN,
			"electricitymaps (DE): answered HTTP 503",
			Date.parse("2026-11-23T12:00:00Z"),
		),
		insertSignal.bind(ORE, "US-NW-BPAT", 109, "static", Date.UTC(2024, 0, 1), seededAt, null, null),
	]);
});

/** Expected rows per query title, worked out from the seed above. */
const expected: Record<string, () => Record<string, unknown>[]> = {
	// Day 1: Paris j1, j2, j8 = (3600 + 7200 + 0) J = 3 Wh, 0.099 g; Frankfurt j3, j4 = 1 Wh, 0.341 g; Oregon: no estimate.
	"Requests and carbon per zone per day": () =>
		table(
			["day", "zone_id", "requests", "succeeded", "failed", "energy_wh", "gco2"],
			[
				["2026-11-20", FRA, 2, 1, 1, 1, 0.341],
				["2026-11-20", PAR, 3, 3, 0, 3, 0.099],
				["2026-11-20", ORE, 20, 20, 0, 0, 0],
				["2026-11-21", FRA, 2, 0, 2, 0, 0],
				["2026-11-21", PAR, 1, 1, 0, 10, 0.33],
			],
		),
	// Day 1: j1 0.001 kWh x (341 - 33) + j2 0.002 kWh x 308 + j3, j8 0 = 0.924 g; baseline 0.004 kWh x 341. Day 2: j5 0.01 kWh.
	"Carbon avoided against nearest-zone routing": () =>
		table(
			["day", "jobs", "moved", "baseline_gco2", "routed_gco2", "avoided_gco2"],
			[
				["2026-11-20", 4, 3, 1.364, 0.44, 0.924],
				["2026-11-21", 1, 1, 3.41, 0.33, 3.08],
			],
		),
	// Paris totals 361, 601, 722, 1201 s: ranks 2 and 4 of 4. Oregon 1..20 s: ranks 10 and 19 of 20.
	"p50 and p95 latency per zone": () =>
		table(
			["zone_id", "jobs", "p50_ms", "p95_ms", "ttft_p50_ms", "ttft_p95_ms"],
			[
				[FRA, 1, 900_500, 900_500, 2_500, 2_500],
				[PAR, 4, 601_000, 1_201_000, 3_000, 5_000],
				[ORE, 20, 10_000, 19_000, 1_000, 1_900],
			],
		),
	// Paris node: 4 slots, busy 600 + 1200 + 360 s in hour 10. Frankfurt node: 2 slots (4 / 2 nodes), busy 900 + 900 s.
	"Node utilisation per hour": () =>
		table(
			["node_id", "node", "zone_id", "hour", "jobs", "busy_s", "busy_slots", "node_slots", "utilisation"],
			[
				["n-fra-1", "frankfurt-gpu-1", FRA, "2026-11-20 10:00", 2, 1800, 0.5, 2, 0.25],
				["n-par-1", "paris-gpu-1", PAR, "2026-11-20 10:00", 3, 2160, 0.6, 4, 0.15],
				["n-fra-1", "frankfurt-gpu-1", FRA, "2026-11-21 09:00", 1, 360, 0.1, 2, 0.05],
				["n-par-1", "paris-gpu-1", PAR, "2026-11-21 09:00", 1, 720, 0.2, 4, 0.05],
			],
		),
	"Failed jobs by reason": () =>
		table(
			["error_code", "jobs", "zones", "last_seen"],
			[
				["backend_error", 2, 1, "2026-11-21 09:06:11"],
				["no_capacity", 1, 1, "2026-11-21 09:00:06"],
			],
		),
	"Where requests went and why": () =>
		table(
			[
				"policy",
				"chosen",
				"nearest",
				"jobs",
				"avg_est_latency_ms",
				"avg_chosen_gco2_per_kwh",
				"avg_nearest_gco2_per_kwh",
			],
			[
				["latency", ORE, ORE, 20, 10, 109, 109],
				["carbon", PAR, FRA, 3, 21, 33, 341],
				["balanced", FRA, FRA, 2, 5, 341, 341],
				["latency", FRA, FRA, 2, 6, 341, 341],
				["balanced", PAR, FRA, 1, 21, 33, 341],
			],
		),
	"Carbon signal freshness": () =>
		table(
			["zone_id", "source", "gco2_per_kwh", "default_gco2_per_kwh", "state", "age_min", "last_error", "last_error_at"],
			[
				[
					FRA,
					"electricitymaps",
					320,
					341,
					"last-good",
					200,
					"electricitymaps (DE): answered HTTP 503",
					"2026-11-23 12:00:00",
				],
				[PAR, "electricitymaps", 40, 33, "live", 90, null, null],
				[ORE, "static", 109, 109, "default", null, null, null],
			],
		),
	// Day 1: Frankfurt j3 (3600 J / 100 tokens) estimated; Paris j2 + j8 (7200 J / 250) estimated, j1 (3600 / 100)
	// measured; day 2: Paris j5 (36000 / 1000) measured. Oregon's jobs have no energy.
	"Measured and estimated energy per zone per day": () =>
		table(
			["day", "zone_id", "energy_source", "jobs", "energy_wh", "j_per_token"],
			[
				["2026-11-20", FRA, "estimated", 1, 1, 36],
				["2026-11-20", PAR, "estimated", 2, 2, 28.8],
				["2026-11-20", PAR, "measured", 1, 1, 36],
				["2026-11-21", PAR, "measured", 1, 10, 36],
			],
		),
	// The two jobs seeded under one trace id, oldest first.
	"The jobs of one trace": () =>
		table(
			["id", "zone_id", "node_id", "status", "error_code", "attempts", "received"],
			[
				["j5", PAR, "n-par-1", "succeeded", null, 0, "2026-11-21 09:00:00"],
				["j6", FRA, null, "failed", "no_capacity", 0, "2026-11-21 09:00:05"],
			],
		),
	// Day 1 t-acme: j1, j2, j8, j3, j4 = 45 / 450 tokens, 0.44 g; day 2 t-acme: j5, j6, j7.
	"Requests and tokens per tenant per day": () =>
		table(
			["day", "tenant_id", "requests", "prompt_tokens", "completion_tokens", "gco2"],
			[
				["2026-11-20", "t-acme", 5, 45, 450, 0.44],
				["2026-11-20", "t-beta", 20, 0, 0, 0],
				["2026-11-21", "t-acme", 3, 100, 1000, 0.33],
			],
		),
};

Object.assign(
	expected,
	historyExpected(() => hotFrom),
);

const queries = parseQueries(doc);

describe("docs/d1-queries.md", () => {
	it("has exactly the queries this suite checks", () => {
		expect(queries.map((q) => q.title).sort()).toEqual(Object.keys(expected).sort());
	});

	for (const query of queries) {
		describe(query.title, () => {
			it("has a one-line --command usage that is its sql block, quoted safely for the shell", () => {
				expect(query.sql).not.toContain('"');
				expect(query.command).toBe(`npx wrangler d1 execute arcnet --local --command "${oneLine(query.sql)}"`);
			});

			it("answers the hand-computed rows on the seeded database", async () => {
				const want = expected[query.title];
				expect(want, `no expected rows for "${query.title}"`).toBeDefined();
				const { results } = await env.DB.prepare(query.sql).all();
				expect(results).toEqual(want?.());
			});
		});
	}
});
