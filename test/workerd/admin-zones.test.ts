import { describe, expect, it } from "vitest";
import { ADMIN_KEY, call, DEV_KEY, errorOf } from "./edge-fixtures.js";
import { answer, complete, liveZone, pollJob } from "./routing-fixtures.js";

/** A valid new zone; override what a test is about. */
function newZone(overrides: Record<string, unknown> = {}) {
	return {
		id: "eu-lisbon",
		name: "Lisbon, PT",
		gridZone: "PT",
		lat: 38.72,
		lon: -9.14,
		regions: ["pt", "eu"],
		locationHint: "weur",
		continent: "eu",
		defaultGco2PerKwh: 160,
		source: "test",
		...overrides,
	};
}

function admin(method: string, path: string, body?: unknown): Promise<Response> {
	return call(method, path, { bearer: ADMIN_KEY, ...(body !== undefined ? { body } : {}) });
}

describe("admin zone catalogue", () => {
	it("creates a zone that then appears in the catalogue, enabled", async () => {
		const res = await admin("POST", "/admin/v1/zones", newZone());
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({ id: "eu-lisbon", regions: ["pt", "eu"], enabled: true, status: null });
		const list = (await (await admin("GET", "/admin/v1/zones")).json()) as { data: { id: string }[] };
		expect(list.data.map((z) => z.id)).toContain("eu-lisbon");
	});

	it("refuses a duplicate id with 409", async () => {
		const res = await admin("POST", "/admin/v1/zones", newZone({ id: "eu-stockholm" }));
		expect(res.status).toBe(409);
		expect((await errorOf(res)).code).toBe("zone_exists");
	});

	it.each([
		["lat", { lat: 91 }, /lat: expected a number from -90 to 90, got 91 \(number\)|lat: expected .*90.*got 91/],
		["lon", { lon: -181 }, /lon: expected .*180.*got -181/],
		["locationHint", { locationHint: "mars" }, /locationHint: expected one of "wnam"\|.*got "mars" \(string\)/],
		["regions", { regions: [] }, /regions: expected at least 1 item, got \[\] \(array\)/],
		["id", { id: "Not_Kebab" }, /id: expected a zone id in kebab-case.*got "Not_Kebab"/],
		["defaultGco2PerKwh", { defaultGco2PerKwh: -1 }, /defaultGco2PerKwh: expected .*0.*got -1/],
	])("refuses an invalid %s, naming the field, the value and what is allowed", async (field, bad, message) => {
		const res = await admin("POST", "/admin/v1/zones", newZone({ id: "eu-badzone", ...bad }));
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.param).toBe(field);
		expect(error.message).toMatch(message);
	});

	it("changes a zone's fields but refuses to change its id", async () => {
		const res = await admin("PATCH", "/admin/v1/zones/eu-madrid", { defaultGco2PerKwh: 99, regions: ["es"] });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ id: "eu-madrid", defaultGco2PerKwh: 99, regions: ["es"] });
		const renamed = await admin("PATCH", "/admin/v1/zones/eu-madrid", { id: "eu-other" });
		expect(renamed.status).toBe(400);
		expect((await errorOf(renamed)).message).toMatch(/no unknown fields \(got "id"\)/);
	});

	it("refuses an empty patch", async () => {
		const res = await admin("PATCH", "/admin/v1/zones/eu-madrid", {});
		expect(res.status).toBe(400);
		expect((await errorOf(res)).message).toMatch(/at least one field to change/);
	});

	it("answers 404 for an unknown zone", async () => {
		const res = await admin("PATCH", "/admin/v1/zones/nowhere-zone", { enabled: false });
		expect(res.status).toBe(404);
		expect((await errorOf(res)).code).toBe("zone_not_found");
	});

	it("requires the admin key to write", async () => {
		expect((await call("POST", "/admin/v1/zones", { bearer: DEV_KEY, body: newZone() })).status).toBe(401);
		expect((await call("PATCH", "/admin/v1/zones/eu-madrid", { body: { enabled: false } })).status).toBe(401);
	});

	it("routes no job to a disabled zone, and routes again once it is re-enabled", async () => {
		const stockholm = await liveZone("eu-stockholm");
		expect((await admin("PATCH", "/admin/v1/zones/eu-stockholm", { enabled: false })).status).toBe(200);
		const refused = await complete();
		expect(refused.status).toBe(503);
		expect((await errorOf(refused)).code).toBe("no_capacity");

		expect((await admin("PATCH", "/admin/v1/zones/eu-stockholm", { enabled: true })).status).toBe(200);
		const pending = complete();
		await answer(stockholm, await pollJob(stockholm));
		const res = await pending;
		expect(res.status).toBe(200);
		expect(res.headers.get("x-arcnet-zone")).toBe("eu-stockholm");
	});
});
