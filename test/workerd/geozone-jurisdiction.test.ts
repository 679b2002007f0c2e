/**
 * A zone listed in GEOZONE_EU_ZONES gets its GeozoneDO stub from the EU
 * jurisdiction subnamespace, with its European location hint; other zones from
 * the binding itself. Local workerd refuses jurisdictions ("not implemented in
 * workerd"), so the binding is wrapped to record which namespace each stub came
 * from, while the calls still reach the real object; the last test pins that
 * limitation, so it fails once workerd implements them and this can check
 * `ctx.id.jurisdiction` directly.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { placedZoneStub } from "../../src/protocol/geozone-placement.js";
import { geozoneStub } from "../../src/routing/geozone-stub.js";
import { newZoneId } from "./geozone-fixtures.js";

type Binding = Env["GEOZONE"];

/** The GEOZONE binding, recording each subnamespace asked for and each get's options. */
function recordingBinding() {
	const calls: string[] = [];
	const wrap = (name: string): Binding =>
		({
			jurisdiction: (jurisdiction: string) => {
				calls.push(`jurisdiction(${jurisdiction})`);
				return wrap(jurisdiction);
			},
			idFromName: (zoneId: string) => env.GEOZONE.idFromName(zoneId),
			get: (id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) => {
				calls.push(`${name}.get(${options?.locationHint ?? "no hint"})`);
				return env.GEOZONE.get(id, options);
			},
		}) as unknown as Binding;
	return { binding: wrap("default"), calls };
}

describe("GeozoneDO jurisdiction", () => {
	it("takes an EU-listed zone's stub from the EU subnamespace, with its hint, and the call reaches the object", async () => {
		const zoneId = newZoneId();
		const { binding, calls } = recordingBinding();
		const stub = geozoneStub({ GEOZONE: binding, GEOZONE_EU_ZONES: `eu-paris,${zoneId}` }, zoneId, "weur");
		expect(calls).toEqual(["jurisdiction(eu)", "eu.get(weur)"]);
		expect((await stub.summary(zoneId)).zoneId).toBe(zoneId);
	});

	it("takes every other zone's stub from the binding itself, with its hint", () => {
		const { binding, calls } = recordingBinding();
		geozoneStub({ GEOZONE: binding, GEOZONE_EU_ZONES: "eu-paris" }, newZoneId(), "wnam");
		geozoneStub({ GEOZONE: binding, GEOZONE_EU_ZONES: "" }, "eu-paris", "weur");
		expect(calls).toEqual(["default.get(wnam)", "default.get(weur)"]);
	});

	it("an alarm's handoff (no hint) reaches an EU zone through the same subnamespace", () => {
		const { binding, calls } = recordingBinding();
		placedZoneStub(binding, "eu-paris", "eu-paris");
		expect(calls).toEqual(["jurisdiction(eu)", "eu.get(no hint)"]);
	});

	it("refuses a malformed GEOZONE_EU_ZONES rather than guess where a zone's prompts go", () => {
		expect(() => geozoneStub({ GEOZONE: env.GEOZONE, GEOZONE_EU_ZONES: "eu paris" }, "eu-paris")).toThrow(
			/GEOZONE_EU_ZONES: "eu paris" is not a zone id/,
		);
	});

	it("local workerd has no jurisdictions yet (when this fails, check ctx.id.jurisdiction here instead)", () => {
		expect(() => env.GEOZONE.jurisdiction("eu").idFromName("eu-paris")).toThrow(/not implemented in workerd/);
	});
});
