/**
 * The admin API keeps the "eu" region tag to zones in the EU jurisdiction:
 * with GEOZONE_EU_ZONES set (staging, production), creating or re-tagging a
 * zone "eu" that the list lacks is a 400 naming `regions`; a listed zone, a
 * zone without the tag, and a deployment with an empty list are accepted.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.js";
import { ADMIN_KEY, errorOf } from "./edge-fixtures.js";

const EU_LIST = "eu-paris,eu-lisbon";

async function admin(method: string, path: string, body: unknown, euZones = EU_LIST): Promise<Response> {
	const ctx = createExecutionContext();
	const request = new Request(`http://edge${path}`, {
		method,
		headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
		body: JSON.stringify(body),
	});
	const res = await worker.fetch(request, { ...env, GEOZONE_EU_ZONES: euZones } as Env, ctx);
	await waitOnExecutionContext(ctx);
	return res;
}

const zone = (id: string, regions: string[]) => ({
	id,
	name: id,
	gridZone: "PT",
	lat: 38.72,
	lon: -9.14,
	regions,
	locationHint: "weur",
	continent: "eu",
	defaultGco2PerKwh: 160,
	source: "test",
});

describe("admin zones and the EU jurisdiction", () => {
	it("refuses a new zone tagged eu that GEOZONE_EU_ZONES lacks, naming regions and the var", async () => {
		const res = await admin("POST", "/admin/v1/zones", zone("eu-porto", ["pt", "eu"]));
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error).toMatchObject({ param: "regions", code: "eu_zone_outside_jurisdiction" });
		expect(error.message).toContain(
			'regions: ["pt","eu"] tags zone eu-porto "eu", but GEOZONE_EU_ZONES does not list it',
		);
	});

	it("accepts a listed zone tagged eu, and an unlisted zone without the tag", async () => {
		expect((await admin("POST", "/admin/v1/zones", zone("eu-lisbon", ["pt", "eu"]))).status).toBe(201);
		expect((await admin("POST", "/admin/v1/zones", zone("eu-faro", ["pt"]))).status).toBe(201);
	});

	it("refuses re-tagging an unlisted zone eu, and accepts it where the list is empty", async () => {
		const patch = { regions: ["no", "eu", "europe"] };
		const refused = await admin("PATCH", "/admin/v1/zones/eu-oslo", patch);
		expect(refused.status).toBe(400);
		expect((await errorOf(refused)).param).toBe("regions");
		expect((await admin("PATCH", "/admin/v1/zones/eu-oslo", patch, "")).status).toBe(200);
	});
});
