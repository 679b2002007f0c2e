/**
 * The benchmark's primary edge: the production bundle served by workerd
 * through Miniflare, configured from wrangler.toml, with migrations applied
 * through Miniflare's D1. These tests pin what the benchmark relies on.
 */
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listModels } from "../support/edge-client.js";
import { REPO_ROOT } from "../support/local-edge.js";
import { type MiniflareEdge, migrationStatements, startMiniflareEdge } from "../support/miniflare-edge.js";
import { parseTomlTables, readWranglerConfig } from "../support/wrangler-toml.js";

let edge: MiniflareEdge | undefined;
let workDir = "";

beforeAll(async () => {
	workDir = await mkdtemp(join(tmpdir(), "arcnet-mf-test-"));
	edge = await startMiniflareEdge({ persistDir: join(workDir, "state") });
}, 120_000);

afterAll(async () => {
	await edge?.stop();
	if (workDir) await rm(workDir, { recursive: true, force: true });
});

function running(): MiniflareEdge {
	if (!edge) throw new Error("the Miniflare edge did not start");
	return edge;
}

describe("wrangler.toml reader", () => {
	it("reads the compatibility settings, vars and bindings of the repository's wrangler.toml", () => {
		const config = readWranglerConfig(join(REPO_ROOT, "wrangler.toml"));
		expect(config.compatibilityDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
		expect(config.compatibilityFlags).toContain("nodejs_compat");
		expect(config.vars.LEASE_MS).toBe("30000");
		expect(config.d1[0]?.binding).toBe("DB");
		expect(config.durableObjects[0]).toEqual({ name: "GEOZONE", class_name: "GeozoneDO" });
	});

	it("keeps each [[table]] entry apart and ignores comments", () => {
		const tables = parseTomlTables('a = "1" # note\n[[x]]\nk = "one"\n[[x]]\nk = "two"\nlist = ["p", "q"]\n');
		expect(tables.map((t) => t.values)).toEqual([{ a: "1" }, { k: "one" }, { k: "two", list: ["p", "q"] }]);
	});

	it("splits a migration on drizzle's breakpoints and drops comment-only chunks", () => {
		const sql =
			"-- header\nCREATE TABLE a (x int);--> statement-breakpoint\n-- only a comment\n--> statement-breakpoint\nINSERT INTO a VALUES (1);";
		expect(migrationStatements(sql)).toEqual(["-- header\nCREATE TABLE a (x int);", "INSERT INTO a VALUES (1);"]);
	});
});

describe("edge under workerd via Miniflare", () => {
	it("serves the client API with the dev key and refuses a wrong one", async () => {
		const e = running();
		expect(await listModels(e)).toEqual([]);
		const res = await fetch(`${e.url}/v1/models`, { headers: { authorization: "Bearer sk-wrong-key-000" } });
		expect(res.status).toBe(401);
	});

	it("applies every migration once and keeps them across a restart on the same state", async () => {
		const e = running();
		const files = readdirSync(join(REPO_ROOT, "migrations")).filter((f) => f.endsWith(".sql"));
		await e.restart();
		const applied = await e.queryD1("SELECT name FROM d1_migrations ORDER BY id");
		expect(applied.map((r) => r.name)).toEqual([...files].sort());
		const zones = await e.queryD1("SELECT count(*) AS n FROM geozones");
		expect(Number(zones[0]?.n)).toBeGreaterThan(0);
	}, 60_000);
});
