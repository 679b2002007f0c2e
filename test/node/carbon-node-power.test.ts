/** The power-weighted effective intensity of a zone whose nodes report their own supply. */
import { describe, expect, it } from "vitest";
import { effectiveIntensity, nodePowerReportSchema } from "../../src/carbon/node-power.js";

describe("effectiveIntensity", () => {
	it("weights each node's intensity by its power draw", () => {
		// (300 W x 40 + 100 W x 400) / 400 W = 130 g/kWh
		expect(effectiveIntensity(400, [{ powerW: 300, ownGco2PerKwh: 40 }, { powerW: 100 }])).toEqual({
			gco2PerKwh: 130,
			totalPowerW: 400,
			ownSupplyShare: 0.75,
		});
	});

	it("counts nodes without a report at the grid figure", () => {
		expect(effectiveIntensity(250, [{ powerW: 700 }, { powerW: 300 }]).gco2PerKwh).toBe(250);
	});

	it("lets a solar node at 0 g/kWh pull the zone down in proportion to its draw", () => {
		const result = effectiveIntensity(500, [{ powerW: 1000, ownGco2PerKwh: 0 }, { powerW: 3000 }]);
		expect(result.gco2PerKwh).toBe(375);
		expect(result.ownSupplyShare).toBe(0.25);
	});

	it("ignores idle nodes and keeps the grid figure when nothing draws power", () => {
		expect(effectiveIntensity(300, [{ powerW: 0, ownGco2PerKwh: 10 }, { powerW: 200 }]).gco2PerKwh).toBe(300);
		expect(effectiveIntensity(300, [])).toEqual({ gco2PerKwh: 300, totalPowerW: 0, ownSupplyShare: 0 });
		expect(effectiveIntensity(300, [{ powerW: 0, ownGco2PerKwh: 10 }]).gco2PerKwh).toBe(300);
	});

	it("validates reports: power from 0 to 100 kW, intensity from 0 to 5,000", () => {
		expect(nodePowerReportSchema.safeParse({ powerW: -1 }).success).toBe(false);
		expect(nodePowerReportSchema.safeParse({ powerW: 350, ownGco2PerKwh: 6000 }).success).toBe(false);
		expect(nodePowerReportSchema.safeParse({ powerW: 350, ownGco2PerKwh: 12 }).success).toBe(true);
	});
});
