/**
 * GPU telemetry from nvidia-smi: recorded outputs (test/node/fixtures/nvidia-smi)
 * parse into readings with null for [N/A] / [Not Supported], names holding
 * commas survive, and a missing, failing or hanging nvidia-smi falls back to
 * simulated readings with the reason, without stalling.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkGpu } from "../../node-agent/src/commands/doctor.js";
import { loadConfig } from "../../node-agent/src/config.js";
import { sampleNvidiaSmi } from "../../node-agent/src/telemetry/gpu-nvidia-smi.js";
import { selectGpuSource } from "../../node-agent/src/telemetry/gpu-select.js";
import { parseNvidiaSmi } from "../../node-agent/src/telemetry/nvidia-smi-parse.js";
import { gpuReadingSchema } from "../../src/protocol/agent-wire.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "nvidia-smi");

/** A fixture's recorded output, without the `#` lines saying where it came from. */
function fixture(name: string): string {
	return readFileSync(join(FIXTURES, name), "utf8")
		.split("\n")
		.filter((l) => !l.startsWith("#"))
		.join("\n");
}

/** A fake nvidia-smi: a shell script that prints `stdout` (and `stderr`) and exits with `code`, after `sleepS`. */
function fakeSmi(stdout: string, code = 0, sleepS = 0, stderr = ""): string {
	const dir = mkdtempSync(join(tmpdir(), "arcnet-fake-smi-"));
	const out = join(dir, "out.txt");
	writeFileSync(out, stdout);
	const err = join(dir, "err.txt");
	writeFileSync(err, stderr);
	const path = join(dir, "nvidia-smi");
	// `exec sleep` so the timeout's SIGKILL hits the sleeping process itself and nothing lingers.
	const body = sleepS > 0 ? `exec sleep ${sleepS}\n` : `cat "${out}"\ncat "${err}" >&2\nexit ${code}\n`;
	writeFileSync(path, `#!/bin/sh\n${body}`);
	chmodSync(path, 0o755);
	return path;
}

describe("nvidia-smi output parsing", () => {
	it("reads three GPUs and turns [Not Supported] utilisation into null, not 0", () => {
		const { gpus, skipped } = parseNvidiaSmi(fixture("titan-x-3gpu-not-supported.csv"));
		expect(skipped).toEqual([]);
		expect(gpus.map((g) => g.index)).toEqual([0, 1, 2]);
		expect(gpus[0]).toEqual({
			index: 0,
			name: "GeForce GTX TITAN X",
			uuid: "GPU-10fb0fbd-2696-43f3-467f-d280d906a107",
			utilizationPct: 76,
			memoryUsedMiB: 8000,
			memoryTotalMiB: 12287,
			temperatureC: 80,
			powerDrawW: null,
			powerLimitW: null,
		});
		expect(gpus[1]?.utilizationPct).toBe(0);
		expect(gpus[2]?.utilizationPct).toBeNull();
		for (const g of gpus) expect(gpuReadingSchema.safeParse(g).success).toBe(true);
	});

	it("reads power draw and limit as decimals", () => {
		const [gpu] = parseNvidiaSmi(fixture("rtx-2080-power.csv")).gpus;
		expect(gpu).toMatchObject({ name: "GeForce RTX 2080", powerDrawW: 176.98, powerLimitW: 200, memoryUsedMiB: null });
	});

	it("keeps a unified-memory Jetson whose every reading is [N/A], with no uuid", () => {
		const { gpus } = parseNvidiaSmi(fixture("orin-unified-memory-na.csv"));
		expect(gpus).toEqual([
			{
				index: 0,
				name: "Orin (nvgpu)",
				utilizationPct: null,
				memoryUsedMiB: null,
				memoryTotalMiB: null,
				temperatureC: null,
				powerDrawW: null,
				powerLimitW: null,
			},
		]);
	});

	it("keeps a name that holds a comma whole and reads the fields after it", () => {
		const { gpus } = parseNvidiaSmi(fixture("name-with-comma.csv"));
		expect(gpus[0]).toMatchObject({ name: "Quadro, with comma", memoryUsedMiB: 8000, memoryTotalMiB: 8192 });
		expect(gpus[1]).toMatchObject({ name: "NVIDIA T4", memoryUsedMiB: null, memoryTotalMiB: null, powerLimitW: 70 });
	});

	it("lists driver errors as skipped lines instead of GPUs", () => {
		for (const name of ["driver-failure.txt", "fallen-off-bus.txt"]) {
			const { gpus, skipped } = parseNvidiaSmi(fixture(name));
			expect(gpus).toEqual([]);
			expect(skipped).toHaveLength(1);
		}
	});
});

describe("nvidia-smi GPU source", () => {
	it("reports hardware nvidia-smi with the parsed GPUs when nvidia-smi answers", async () => {
		const sample = await sampleNvidiaSmi(0.5, { command: fakeSmi(fixture("titan-x-3gpu-not-supported.csv")) });
		expect(sample.hardware).toBe("nvidia-smi");
		expect(sample.gpus).toHaveLength(3);
		expect(sample.problem).toBeUndefined();
	});

	it("falls back to simulated readings and says why when nvidia-smi is missing", async () => {
		const sample = await sampleNvidiaSmi(0, { command: "/nonexistent/nvidia-smi" });
		expect(sample.hardware).toBe("simulated");
		expect(sample.gpus).toHaveLength(1);
		expect(sample.problem).toContain("not found");
	});

	it("falls back when nvidia-smi fails with the driver message", async () => {
		const sample = await sampleNvidiaSmi(0, { command: fakeSmi(fixture("driver-failure.txt"), 9) });
		expect(sample.hardware).toBe("simulated");
		expect(sample.problem).toMatch(/exited with 9: NVIDIA-SMI has failed/);
	});

	it("keeps the healthy GPUs when one is lost, and names the lost one by index with its error line", async () => {
		const sample = await sampleNvidiaSmi(0, { command: fakeSmi(fixture("one-gpu-lost.txt"), 15) });
		expect(sample.hardware).toBe("nvidia-smi");
		expect(sample.gpus.map((g) => [g.index, g.utilizationPct])).toEqual([
			[0, 76],
			[2, null],
		]);
		expect(sample.problem).toMatch(/lost GPU 1: Unable to determine the device handle for GPU0000:01:00\.0/);
		expect(sample.problem).not.toContain("TITAN");
	});

	it("makes doctor warn about a lost GPU, naming it, while it reads the others", async () => {
		const config = loadConfig({
			flags: { gpu: "nvidia-smi", "nvidia-smi": fakeSmi(fixture("one-gpu-lost.txt"), 15) },
			env: {},
		});
		const finding = await checkGpu(config);
		expect(finding.status).toBe("warn");
		expect(finding.detail).toMatch(
			/^nvidia-smi reads 2 GPU\(s\): 0: GeForce GTX TITAN X; 2: GeForce GTX TITAN X; .*lost GPU 1: Unable/,
		);
		expect(finding.fix).toContain("fell off the bus");
	});

	it("names a lost GPU whose error line went to stderr by the index the rows leave out", async () => {
		const rows = fixture("one-gpu-lost.txt")
			.split("\n")
			.filter((l) => !l.startsWith("Unable"))
			.join("\n");
		const lostLine = "Unable to determine the device handle for GPU0000:01:00.0: Unknown Error";
		const sample = await sampleNvidiaSmi(0, { command: fakeSmi(rows, 15, 0, `${lostLine}\n`) });
		expect(sample.hardware).toBe("nvidia-smi");
		expect(sample.gpus.map((g) => g.index)).toEqual([0, 2]);
		expect(sample.problem).toContain(`GPU 1: ${lostLine}`);
	});

	it("kills a hanging nvidia-smi after the timeout and falls back", async () => {
		const sample = await sampleNvidiaSmi(0, { command: fakeSmi("", 0, 30), timeoutMs: 200 });
		expect(sample.hardware).toBe("simulated");
		expect(sample.problem).toContain("did not answer within 200 ms");
	});

	it("auto mode picks simulated, with the reason, on a host without nvidia-smi", async () => {
		const choice = await selectGpuSource("auto", { command: "/nonexistent/nvidia-smi" });
		expect(choice.source.hardware).toBe("simulated");
		expect(choice.reason).toContain("not found");
		const real = await selectGpuSource("auto", { command: fakeSmi(fixture("rtx-2080-power.csv")) });
		expect(real.source.hardware).toBe("nvidia-smi");
	});
});
