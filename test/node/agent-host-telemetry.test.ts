/**
 * Host CPU telemetry: on Linux the busy share comes from /proc/stat's summed
 * `cpu` line (iowait counts as idle, steal as busy); without it, from
 * os.cpus(). Readings are between 0 and 100 either way.
 */
import { describe, expect, it } from "vitest";
import { createHostSampler, parseProcStat } from "../../node-agent/src/telemetry/host.js";

/** A /proc/stat text whose `cpu` line holds these counters. */
function stat(user: number, system: number, idle: number, iowait = 0, steal = 0): string {
	return `cpu  ${user} 0 ${system} ${idle} ${iowait} 0 0 ${steal} 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\nintr 1\n`;
}

describe("agent host telemetry", () => {
	it("reads the busy share over the interval from /proc/stat's summed cpu line", () => {
		const texts = [stat(100, 50, 850), stat(100, 50, 850), stat(400, 150, 1050, 100, 50)];
		const sampler = createHostSampler({ procStat: () => texts.shift() ?? null });
		// Since the first reading: busy 300 user + 100 system + 50 steal, idle 200 + 100 iowait, of 750 in all.
		expect(sampler().cpuPct).toBe(60);
	});

	it("reports 0 % for an interval whose /proc/stat read failed, not a figure mixed from two sources", () => {
		const texts: (string | null)[] = [stat(100, 0, 900), stat(100, 0, 900), null, stat(300, 0, 1100)];
		const sampler = createHostSampler({ procStat: () => (texts.length > 0 ? (texts.shift() ?? null) : null) });
		expect(sampler().cpuPct).toBe(0);
		expect(sampler().cpuPct).toBe(50);
	});

	it("falls back to os.cpus() where there is no /proc/stat", () => {
		const sampler = createHostSampler({ procStat: () => null });
		const reading = sampler();
		expect(reading.cpuPct).toBeGreaterThanOrEqual(0);
		expect(reading.cpuPct).toBeLessThanOrEqual(100);
		expect(reading.memTotalBytes).toBeGreaterThan(0);
	});

	it("reads this host's /proc/stat again and again through one descriptor", () => {
		const sampler = createHostSampler();
		for (let i = 0; i < 3; i++) {
			const reading = sampler();
			expect(reading.cpuPct).toBeGreaterThanOrEqual(0);
			expect(reading.cpuPct).toBeLessThanOrEqual(100);
		}
	});

	it("parses the cpu line and refuses text without one", () => {
		expect(parseProcStat(stat(1, 2, 3, 4, 5))).toEqual({ idle: 7, total: 15 });
		expect(parseProcStat("intr 1\n")).toBeNull();
	});
});
