/** The energy estimate: generated table vs catalogue CSVs, GPU and model classes, J/token choice and the formula. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ENERGY_MEASUREMENTS, GPU_POWER_RATINGS } from "../../durable-objects/energy/energy-table.js";
import {
	estimateJobEnergy,
	gpuClassOf,
	joulesPerOutputToken,
	modelSizeClassOf,
	nearestMeasurement,
} from "../../durable-objects/energy/index.js";

/** The CSV's data lines (comment and header dropped), split on commas outside quotes. */
function csvRows(name: string): string[][] {
	const lines = readFileSync(new URL(`../../catalogue/${name}`, import.meta.url), "utf8").split("\n");
	return lines
		.filter((l) => l.trim() !== "" && !l.startsWith("#"))
		.slice(1)
		.map((l) => l.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/));
}

/** The J/token cell of the CSV row for model, gpu and max_num_seqs. */
function csvJPerToken(model: string, gpu: string, maxNumSeqs: number): number {
	const row = csvRows("llm_energy_per_token.csv").find(
		(r) => r[0] === model && r[2] === gpu && r[4] === String(maxNumSeqs),
	);
	if (!row?.[6]) throw new Error(`no CSV row for ${model} ${gpu} ${maxNumSeqs}`);
	return Number(row[6]);
}

const L8 = "meta-llama/Llama-3.1-8B-Instruct";
const L70 = "meta-llama/Llama-3.1-70B-Instruct";

describe("energy table", () => {
	it("holds every row of the catalogue CSVs (re-run scripts/build-energy-table.mjs if this fails)", () => {
		const energy = csvRows("llm_energy_per_token.csv");
		expect(ENERGY_MEASUREMENTS).toEqual(
			energy.map((r) => ({
				model: r[0],
				gpu: r[2],
				numGpus: Number(r[3]),
				maxNumSeqs: Number(r[4]),
				jPerOutputToken: Number(r[6]),
			})),
		);
		expect(GPU_POWER_RATINGS).toEqual(csvRows("gpu_power.csv").map((r) => ({ gpu: r[0], powerW: Number(r[1]) })));
	});
});

describe("gpuClassOf", () => {
	it.each([
		["NVIDIA H100 80GB HBM3", "H100", 700],
		["NVIDIA H100 PCIe", "H100-PCIe", 350],
		["NVIDIA B200", "B200", 1000],
		["NVIDIA A100-SXM4-80GB", "A100-SXM4", 400],
		["NVIDIA A100-PCIE-40GB", "A100-PCIe-40GB", 250],
		["NVIDIA A100 80GB PCIe", "A100-PCIe-80GB", 300],
		["NVIDIA L4", "L4", 72],
		["Tesla T4", "T4", 70],
		["Tesla V100-SXM2-16GB", "V100", 300],
		["NVIDIA GeForce RTX 4090", "RTX-4090", 450],
	])("maps %s to %s at its rated %i W", (name, id, powerW) => {
		expect(gpuClassOf(name)).toMatchObject({ id, powerW });
	});

	it("falls back to the measured H100 for simulated, unknown and missing names", () => {
		for (const name of ["simulated", "AMD Instinct MI300X", "", null, undefined]) {
			expect(gpuClassOf(name)).toMatchObject({ id: "H100", measuredAs: "H100" });
		}
	});
});

describe("modelSizeClassOf", () => {
	it.each([
		["llama3.1:8b", "8B"],
		["meta-llama/Llama-3.1-70B-Instruct", "70B"],
		["llama3.1:405b", "405B"],
		["qwen3:32b", "70B"],
		["qwen2.5:1.5b", "8B"],
		["gpt-4o-mini", "8B"],
		["mistral", "8B"],
	])("reads %s as %s", (model, size) => {
		expect(modelSizeClassOf(model)).toBe(size);
	});
});

describe("joulesPerOutputToken", () => {
	it("takes the measured row at the batch nearest the node's slots", () => {
		expect(joulesPerOutputToken("NVIDIA H100 80GB HBM3", "8B", 4).jPerOutputToken).toBe(csvJPerToken(L8, "H100", 8));
		expect(joulesPerOutputToken("NVIDIA B200", "70B", 64).jPerOutputToken).toBe(csvJPerToken(L70, "B200", 64));
		expect(joulesPerOutputToken("NVIDIA H100 80GB HBM3", "70B", 100).jPerOutputToken).toBe(
			csvJPerToken(L70, "H100", 96),
		);
	});

	it("breaks a tie towards the smaller batch, the higher J/token", () => {
		// √(8 × 16) is equally far from 8 and 16 on a log scale.
		expect(nearestMeasurement(L8, "H100", Math.sqrt(8 * 16)).maxNumSeqs).toBe(8);
	});

	it("scales the H100 figure by rated power for unmeasured GPUs", () => {
		const t4 = joulesPerOutputToken("Tesla T4", "8B", 8);
		expect(t4.powerScale).toBe(70 / 700);
		expect(t4.jPerOutputToken).toBeCloseTo(csvJPerToken(L8, "H100", 8) * 0.1, 12);
	});

	it("refuses a batch below 1, naming the value", () => {
		expect(() => joulesPerOutputToken("H100", "8B", 0)).toThrow(
			"batch: expected a number from 1 and up, got 0 (number)",
		);
	});
});

describe("estimateJobEnergy", () => {
	it("multiplies output tokens by J/token and converts to gCO2 at the zone's intensity", () => {
		const estimate = estimateJobEnergy({
			gpuName: "NVIDIA H100 80GB HBM3",
			model: "llama3.1:70b",
			completionTokens: 500,
			batch: 32,
			gco2PerKwh: 300,
		});
		const energyJ = 500 * csvJPerToken(L70, "H100", 32);
		expect(estimate).toMatchObject({ gpuClass: "H100", modelSize: "70B" });
		expect(estimate.energyJ).toBeCloseTo(energyJ, 9);
		expect(estimate.gco2).toBeCloseTo((energyJ / 3.6e6) * 300, 12);
	});

	it("leaves gco2 null without an intensity, and counts zero tokens as zero energy", () => {
		expect(estimateJobEnergy({ gpuName: null, model: "x", completionTokens: 0, gco2PerKwh: null })).toMatchObject({
			energyJ: 0,
			gco2: null,
		});
	});

	it("refuses a negative or fractional token count, naming the value", () => {
		expect(() => estimateJobEnergy({ gpuName: null, model: "x", completionTokens: -1, gco2PerKwh: 1 })).toThrow(
			"completionTokens: expected an integer from 0 and up, got -1 (number)",
		);
	});
});
