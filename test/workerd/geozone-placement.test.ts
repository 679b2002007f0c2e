/**
 * The choice of a zone's GeozoneDO placement: the EU jurisdiction for the
 * zones GEOZONE_EU_ZONES lists, the catalogue's location hint where it is
 * valid (and inside the EU for an EU zone), and a malformed list refused by name.
 */
import { describe, expect, it } from "vitest";
import { euZones, geozonePlacement } from "../../src/protocol/geozone-placement.js";

describe("geozone placement", () => {
	const eu = euZones("eu-paris, eu-frankfurt,eu-london");

	it("reads GEOZONE_EU_ZONES as comma-separated zone ids; empty or unset lists none", () => {
		expect([...eu]).toEqual(["eu-paris", "eu-frankfurt", "eu-london"]);
		expect(euZones("").size).toBe(0);
		expect(euZones(undefined).size).toBe(0);
		expect(euZones(" , ").size).toBe(0);
	});

	it("refuses a malformed entry, naming the var and what it got", () => {
		expect(() => euZones("eu-paris;eu-berlin")).toThrow(
			'GEOZONE_EU_ZONES: "eu-paris;eu-berlin" is not a zone id (kebab-case, e.g. eu-paris); expected comma-separated zone ids, got "eu-paris;eu-berlin"',
		);
		expect(() => euZones("EU-Paris")).toThrow(/"EU-Paris" is not a zone id/);
	});

	it("places a listed zone in the EU jurisdiction with its European hint", () => {
		expect(geozonePlacement("eu-paris", eu, "weur")).toEqual({ jurisdiction: "eu", locationHint: "weur" });
		expect(geozonePlacement("eu-frankfurt", eu, "eeur")).toEqual({ jurisdiction: "eu", locationHint: "eeur" });
	});

	it("drops a hint outside the EU for an EU zone: the jurisdiction decides", () => {
		expect(geozonePlacement("eu-london", eu, "enam")).toEqual({ jurisdiction: "eu", locationHint: null });
	});

	it("leaves other zones in the default namespace, with any valid hint", () => {
		expect(geozonePlacement("us-oregon", eu, "wnam")).toEqual({ jurisdiction: null, locationHint: "wnam" });
		expect(geozonePlacement("eu-oslo", eu, "eeur")).toEqual({ jurisdiction: null, locationHint: "eeur" });
		expect(geozonePlacement("ap-tokyo", eu, "mars")).toEqual({ jurisdiction: null, locationHint: null });
		expect(geozonePlacement("ap-tokyo", eu)).toEqual({ jurisdiction: null, locationHint: null });
		expect(geozonePlacement("ap-tokyo", eu, null)).toEqual({ jurisdiction: null, locationHint: null });
	});
});
