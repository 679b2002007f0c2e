/**
 * wrangler.toml's staging and production environments, read by wrangler
 * itself: each binds every Durable Object, D1 and R2 binding the top level
 * binds, with its own database (a placeholder an operator replaces) and bucket,
 * sets every var, requires the same secrets, keeps the cron and DO migrations,
 * and lists in GEOZONE_EU_ZONES exactly the catalogue's zones tagged "eu"
 * (the zones a request pinned to eu may go to).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";

process.env.WRANGLER_SEND_METRICS = "false";

const read = (env?: string) => unstable_readConfig({ config: "wrangler.toml", ...(env ? { env } : {}) });
const top = read();

/** Zone ids of the seeded catalogue whose region tags include "eu". */
function seededEuZones(): string[] {
	const seed = readFileSync("migrations/0001_seed_geozones.sql", "utf8");
	return [...seed.matchAll(/\('([a-z0-9-]+)', '[^']*', '[^']*', [-\d.]+, [-\d.]+, '(\[[^\]]*\])'/g)]
		.filter((m) => (JSON.parse(m[2] ?? "[]") as string[]).includes("eu"))
		.map((m) => m[1] ?? "");
}

describe.each(["staging", "production"])("wrangler environment %s", (name) => {
	const config = read(name);

	it("deploys as its own Worker with every binding of the top level", () => {
		expect(config.name).toBe(`arcnet-edge-${name}`);
		const bindings = (c: typeof config) => ({
			objects: c.durable_objects.bindings.map((b: { name: string; class_name: string }) => [b.name, b.class_name]),
			d1: c.d1_databases.map((d: { binding: string; migrations_dir?: string }) => [d.binding, d.migrations_dir]),
			r2: c.r2_buckets.map((b: { binding: string }) => b.binding),
		});
		expect(bindings(config)).toEqual(bindings(top));
	});

	it("has its own D1 database, a marked placeholder, and its own EU bucket", () => {
		const [db] = config.d1_databases;
		expect(db?.database_name).toBe(`arcnet-${name}`);
		expect(db?.database_id).toBe(`REPLACE-WITH-${name.toUpperCase()}-D1-DATABASE-ID`);
		expect(config.r2_buckets).toEqual([
			expect.objectContaining({ bucket_name: `arcnet-files-${name}`, jurisdiction: "eu" }),
		]);
	});

	it("sets every var, requires the same secrets, and keeps the crons and object migrations", () => {
		expect(Object.keys(config.vars).sort()).toEqual(Object.keys(top.vars).sort());
		expect(config.secrets).toEqual(top.secrets);
		expect(config.triggers).toEqual(top.triggers);
		expect(config.migrations).toEqual(top.migrations);
	});

	it("keeps every zone tagged eu in the EU jurisdiction", () => {
		const listed = String(config.vars.GEOZONE_EU_ZONES).split(",");
		expect(listed.sort()).toEqual(seededEuZones().sort());
		expect(listed).toHaveLength(9);
	});
});

describe("carbon provider per environment", () => {
	it("production reads Electricity Maps; staging and local dev the catalogue's static figures", () => {
		expect(read("production").vars.CARBON_PROVIDER).toBe("electricitymaps");
		expect(read("staging").vars.CARBON_PROVIDER).toBe("static");
		expect(top.vars.CARBON_PROVIDER).toBe("static");
	});
});
