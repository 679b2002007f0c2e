/**
 * The history part of the d1-queries test's database: node telemetry minutes
 * and carbon signal history, and the rows the history queries of
 * docs/d1-queries.md must answer over them (worked out in the comments).
 */

export const FRA = "eu-frankfurt";
export const PAR = "eu-paris";
const MIN = 60_000;

/** Rows as objects from a column list and value tuples (keeps the expectations one row per line). */
export const table = (columns: string[], rows: unknown[][]) =>
	rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));

/** A telemetry minute: node, minute, zone, mean and peak utilisation, mean power, hottest GPU, mean and peak tokens/s. */
type Minute = [string, number, string, number, number, number, number, number, number];
const minuteRow = ([node, at, zone, util, utilMax, power, temp, tps, tpsMax]: Minute) =>
	`('${node}', ${at}, '${zone}', 1, 1, ${util}, ${utilMax}, ${power}, ${temp}, ${tps}, ${tpsMax}, 0, 0, 0, 5)`;
const seedMinutes = (rows: Minute[]) =>
	`INSERT INTO node_telemetry_minutes (node_id, minute, zone_id, samples, gpus, util_pct_avg, util_pct_max, power_w_avg,
	 temp_c_max, tokens_per_second_avg, tokens_per_second_max, running_jobs_avg, running_jobs_max, queue_depth_max,
	 cpu_pct_avg) VALUES ${rows.map(minuteRow).join(", ")}`;

const at = (iso: string) => Date.parse(`${iso}Z`);
/** Frankfurt's grid through 2026-11-20 and Paris's around job j5 (2026-11-21 09:00 to 09:12:02). */
const SEED_SIGNALS = `INSERT INTO carbon_signal_history (zone_id, fetched_at, grid_zone, gco2_per_kwh, source, valid_at) VALUES
 ('eu-frankfurt', ${at("2026-11-19T23:00:00")}, 'DE', 400, 'electricitymaps', ${at("2026-11-19T22:55:00")}),
 ('eu-frankfurt', ${at("2026-11-20T10:05:00")}, 'DE', 320, 'electricitymaps', ${at("2026-11-20T10:00:00")}),
 ('eu-frankfurt', ${at("2026-11-20T10:35:00")}, 'DE', 300, 'electricitymaps', ${at("2026-11-20T10:30:00")}),
 ('eu-frankfurt', ${at("2026-11-20T15:00:00")}, 'DE', 250, 'electricitymaps', ${at("2026-11-20T14:55:00")}),
 ('eu-paris', ${at("2026-11-20T00:00:00")}, 'FR', 33, 'static', ${Date.UTC(2024, 0, 1)}),
 ('eu-paris', ${at("2026-11-21T08:55:00")}, 'FR', 40, 'electricitymaps', ${at("2026-11-21T08:50:00")}),
 ('eu-paris', ${at("2026-11-21T09:05:00")}, 'FR', 45, 'electricitymaps', ${at("2026-11-21T09:00:00")})`;

/** The history rows; `hotFrom` is a whole minute two hours before the seed. */
export function historySeed(db: D1Database, hotFrom: number): D1PreparedStatement[] {
	return [
		// n-par-1 on 2026-11-20: three minutes of hour 10 and one of hour 11; the day before and another node do not count.
		db.prepare(
			seedMinutes([
				["n-par-1", at("2026-11-20T10:00:00"), PAR, 50, 60, 100, 70, 10, 15],
				["n-par-1", at("2026-11-20T10:01:00"), PAR, 70, 80, 200, 80, 20, 25],
				["n-par-1", at("2026-11-20T10:02:00"), PAR, 90, 95, 300, 88, 30, 35],
				["n-par-1", at("2026-11-20T11:00:00"), PAR, 0, 5, 30, 40, 0, 0],
				["n-par-1", at("2026-11-19T23:59:00"), PAR, 99, 99, 400, 60, 50, 50],
				["n-fra-1", at("2026-11-20T10:00:00"), FRA, 10, 10, 50, 50, 5, 5],
				// The last 24 hours: Frankfurt's node above 85 °C for two minutes, one at 85 exactly; Paris's 30 h ago.
				["n-fra-1", hotFrom, FRA, 95, 99, 250, 86, 40, 45],
				["n-fra-1", hotFrom + MIN, FRA, 97, 99, 270, 90, 40, 45],
				["n-fra-1", hotFrom + 2 * MIN, FRA, 60, 70, 150, 84, 20, 25],
				["n-cool", hotFrom, FRA, 50, 50, 100, 85, 10, 10],
				["n-par-1", hotFrom - 28 * 3_600_000, PAR, 90, 90, 300, 95, 30, 30],
			]),
		),
		db.prepare(SEED_SIGNALS),
	];
}

/** A datetime() of epoch ms: `YYYY-MM-DD HH:MM:SS`, UTC. */
const sqlTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");

/** Frankfurt's 24 hours of 2026-11-20: 400 in force until 10:00, 320 and 300 fetched at 10, 300 on, 250 from 15:00. */
function frankfurtDay(): unknown[][] {
	return Array.from({ length: 24 }, (_, h) => {
		const hour = `${String(h).padStart(2, "0")}:00`;
		if (h === 10) return [hour, 310, 2, 3, 33, 0];
		return [hour, h < 10 ? 400 : h < 15 ? 300 : 250, 0, 0, null, 0];
	});
}

/** Expected rows of the history queries, by title. */
export function historyExpected(hotFromOf: () => number): Record<string, () => Record<string, unknown>[]> {
	const hotFrom = () => hotFromOf();
	return {
		// Hour 10: minutes of 100, 200, 300 W for 60 s each = 10 Wh; jobs j8, j1, j2 finished, 50 + 100 + 200 tokens.
		"How a node performed on a day": () =>
			table(
				[
					"hour",
					"minutes",
					"util_pct",
					"util_pct_max",
					"power_w",
					"energy_wh",
					"temp_c_max",
					"tokens_per_s",
					"tokens_per_s_max",
					"jobs",
					"succeeded",
					"output_tokens",
				],
				[
					["10:00", 3, 70, 95, 200, 10, 88, 20, 35, 3, 3, 350],
					["11:00", 1, 0, 5, 30, 0.5, 40, 0, 0, 0, 0, 0],
				],
			),
		"Which nodes ran hot": () =>
			table(
				[
					"node_id",
					"node",
					"zone_id",
					"hot_minutes",
					"temp_c_max",
					"power_w_when_hot",
					"util_pct_when_hot",
					"first_hot",
					"last_hot",
				],
				[["n-fra-1", "frankfurt-gpu-1", FRA, 2, 90, 260, 96, sqlTime(hotFrom()), sqlTime(hotFrom() + MIN)]],
			),
		// Hour 10: Frankfurt kept j3, j4; j1, j2, j8 went to Paris (33 g/kWh).
		"A zone's intensity over a day against where its jobs went": () =>
			table(["hour", "gco2_per_kwh", "kept", "sent_away", "sent_to_gco2_per_kwh", "taken_in"], frankfurtDay()),
		// j5 arrived at 09:00 under Paris's 08:55 reading; the 09:05 one came while it ran.
		"The intensity in force when a job ran": () =>
			table(
				[
					"job_id",
					"zone_id",
					"received",
					"finished",
					"routed_gco2_per_kwh",
					"signal_gco2_per_kwh",
					"signal_source",
					"signal_fetched",
					"signal_valid_at",
					"newer_signals_while_running",
				],
				[
					[
						"j5",
						PAR,
						"2026-11-21 09:00:00",
						"2026-11-21 09:12:02",
						33,
						40,
						"electricitymaps",
						"2026-11-21 08:55:00",
						"2026-11-21 08:50:00",
						1,
					],
				],
			),
	};
}
