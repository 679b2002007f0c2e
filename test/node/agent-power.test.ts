/** The agent's power options: validation, the telemetry `power` field, the site's state command or file, doctor's line. */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../node-agent/src/config.js";
import { createPowerReport, describePower } from "../../node-agent/src/telemetry/power-report.js";
import { createTelemetryBuilder } from "../../node-agent/src/telemetry/reporter.js";
import { telemetryRequestSchema } from "../../src/protocol/agent-wire.js";

function tempDir(): string {
	return mkdtempSync(join(tmpdir(), "arcnet-agent-power-"));
}

describe("agent power options", () => {
	it("takes a source, an intensity with its note, and a state file", () => {
		const c = loadConfig({
			flags: { "power-source": "solar", "power-gco2-per-kwh": "35.5", "power-note": "PPA 2026" },
			env: { ARCNET_POWER_STATE_FILE: "/run/soc.json" },
		});
		expect(c).toMatchObject({
			powerSource: "solar",
			powerGco2PerKwh: 35.5,
			powerNote: "PPA 2026",
			powerStateFile: "/run/soc.json",
		});
		expect(loadConfig({ flags: {}, env: {} }).powerSource).toBeUndefined();
	});

	it("names the option, the value and what is allowed", () => {
		expect(() => loadConfig({ flags: { "power-source": "coal" }, env: {} })).toThrow(
			'powerSource: expected one of grid, solar, wind, hydro, nuclear, cogen, battery, mixed, got "coal" (string) (from flag --power-source)',
		);
		expect(() => loadConfig({ flags: { "power-source": "wind" }, env: { ARCNET_POWER_GCO2_PER_KWH: "2500" } })).toThrow(
			'powerGco2PerKwh: expected a number from 0 to 2000, got "2500" (string) (from env ARCNET_POWER_GCO2_PER_KWH)',
		);
		expect(() => loadConfig({ flags: { "power-gco2-per-kwh": "20" }, env: {} })).toThrow(
			"powerGco2PerKwh: set powerSource too: got 20 (number) with no power source (from flag --power-gco2-per-kwh)",
		);
		expect(() => loadConfig({ flags: { "power-source": "grid", "power-gco2-per-kwh": "20" }, env: {} })).toThrow(
			/powerGco2PerKwh: a grid node counts at its zone's live signal; got 20 \(number\) with powerSource grid/,
		);
		expect(() =>
			loadConfig({
				flags: { "power-source": "battery", "power-state-command": "x", "power-state-file": "y" },
				env: {},
			}),
		).toThrow(/powerStateFile: set powerStateCommand or powerStateFile, not both/);
	});

	it("reports the declared power with the state a command prints, in a telemetry body the edge accepts", async () => {
		const report = createPowerReport(
			{
				powerSource: "battery",
				powerGco2PerKwh: 60,
				powerNote: "charged from the site's PV",
				powerStateCommand: `echo '{"stateOfChargePct": 72.5, "availableW": 1800}'`,
			},
			() => {},
		);
		const build = createTelemetryBuilder({
			gpu: { hardware: "simulated", read: async () => ({ hardware: "simulated", gpus: [] }) },
			host: () => ({ cpuPct: 1, memUsedBytes: 1, memTotalBytes: 2 }),
			models: () => ["m"],
			slots: 1,
			running: () => [],
			takeTokens: () => 0,
			power: report,
		});
		const body = await build();
		expect(body.power).toEqual({
			source: "battery",
			gco2PerKwh: 60,
			note: "charged from the site's PV",
			stateOfChargePct: 72.5,
			availableW: 1800,
		});
		expect(telemetryRequestSchema.safeParse(body).success).toBe(true);
	});

	it("reports a failing state read once, keeps reporting the declared source, and reports again after a recovery", async () => {
		const dir = tempDir();
		const file = join(dir, "state.json");
		writeFileSync(file, "not json");
		const problems: string[] = [];
		const report = createPowerReport({ powerSource: "solar", powerStateFile: file }, (p) => problems.push(p));
		expect(await report()).toEqual({ source: "solar" });
		expect(await report()).toEqual({ source: "solar" });
		expect(problems).toHaveLength(1);
		expect(problems[0]).toMatch(/expected JSON such as/);
		writeFileSync(file, '{"availableW": 950}');
		expect(await report()).toEqual({ source: "solar", availableW: 950 });
		writeFileSync(file, '{"stateOfChargePct": 140}');
		expect(await report()).toEqual({ source: "solar" });
		expect(problems[1]).toBe("stateOfChargePct: expected a number from 0 to 100, got 140");
	});

	it("gives up on a state command that hangs, without holding telemetry past its timeout", async () => {
		const dir = tempDir();
		const script = join(dir, "hang.sh");
		writeFileSync(script, "#!/bin/sh\nsleep 30\n");
		chmodSync(script, 0o755);
		const problems: string[] = [];
		const report = createPowerReport(
			{ powerSource: "battery", powerStateCommand: script },
			(p) => problems.push(p),
			200,
		);
		expect(await report()).toEqual({ source: "battery" });
		expect(problems).toEqual(["power state command did not answer within 200 ms"]);
	});

	it("describes the intensity the edge will use: declared, a lifecycle default, or the grid's", () => {
		expect(describePower(undefined)).toBe("grid: counts at the zone's live carbon signal");
		expect(describePower({ source: "wind" })).toBe("wind, 11 gCO2/kWh (lifecycle default)");
		expect(describePower({ source: "solar", gco2PerKwh: 30, note: "meter", stateOfChargePct: 50 })).toBe(
			"solar, 30 gCO2/kWh (declared: meter); charge 50%",
		);
		expect(describePower({ source: "cogen" })).toBe(
			"cogen, no intensity declared: counts at the zone's live carbon signal",
		);
	});
});
