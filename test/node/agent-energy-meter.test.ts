/**
 * The agent's measured energy per job, against a fake nvidia-smi whose
 * readings change from one call to the next: a job's share of each interval
 * follows its tokens, the driver's energy counter wins over power draw, a
 * failed read leaves the job unmeasured, and the done event carries the joules.
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSimulatedBackend } from "../../node-agent/src/backends/simulated.js";
import { runJob } from "../../node-agent/src/job-runner.js";
import { createLogger } from "../../node-agent/src/logger.js";
import { EnergyMeter } from "../../node-agent/src/telemetry/energy-meter.js";
import { createNvidiaSmiPowerReader } from "../../node-agent/src/telemetry/nvidia-smi-power.js";
import type { JobEvent } from "../../src/protocol/agent-wire.js";
import { jobEventsRequestSchema } from "../../src/protocol/agent-wire.js";
import { fakeJob } from "./agent-fake-edge.js";

/** A fake nvidia-smi printing the next of `readings` on each call (the last one again once they run out); "fail" exits 9. */
function changingSmi(readings: string[]): string {
	const dir = mkdtempSync(join(tmpdir(), "arcnet-fake-smi-power-"));
	for (const [i, r] of readings.entries()) writeFileSync(join(dir, `r${i}`), r);
	const path = join(dir, "nvidia-smi");
	writeFileSync(
		path,
		`#!/bin/sh
n=$(cat "${dir}/n" 2>/dev/null || echo 0)
echo $((n + 1)) > "${dir}/n"
[ "$n" -ge ${readings.length} ] && n=${readings.length - 1}
[ "$(cat "${dir}/r$n")" = fail ] && { echo "Unable to determine the device handle" >&2; exit 9; }
cat "${dir}/r$n"
`,
	);
	chmodSync(path, 0o755);
	return path;
}

/** A clock that moves one second on every reading. */
function ticking(): () => number {
	let t = 0;
	return () => {
		t += 1000;
		return t;
	};
}

function meterFor(readings: string[]): EnergyMeter {
	return new EnergyMeter({
		read: createNvidiaSmiPowerReader({ command: changingSmi(readings) }),
		intervalMs: 0,
		now: ticking(),
	});
}

describe("agent energy meter", () => {
	it("shares each interval's energy among the jobs that ran through it, by their tokens", async () => {
		// power.draw only: the counter is [Not Supported] on this board.
		const ns = "[Not Supported]";
		const meter = meterFor([`100, ${ns}`, `300, ${ns}`, `300, ${ns}`, `500, ${ns}`, `100, ${ns}`]);
		await meter.begin("a"); // reading 1 at t=1 s
		meter.addTokens("a", 1);
		await meter.begin("b"); // reading 2 at t=2 s: 1 s at (100+300)/2 W, all a's = 200 J
		meter.addTokens("a", 1);
		meter.addTokens("b", 3);
		await meter.sample(); // reading 3: 300 J shared 1:3, a 75 J, b 225 J
		meter.addTokens("a", 2);
		meter.addTokens("b", 2);
		expect(await meter.end("a")).toBeCloseTo(200 + 75 + 200, 6); // reading 4: 400 J shared 1:1
		expect(await meter.end("b")).toBeCloseTo(225 + 200 + 300, 6); // reading 5: 300 J, b alone
	});

	it("takes the driver's energy counter over the draw, summed over GPUs", async () => {
		// Two GPUs; draws that would give other figures show the counter (mJ) is what counts.
		const meter = meterFor(["1, 1000000\n1, 5000000", "1, 1250000\n1, 5500000", "1, 1300000\n1, 5600000"]);
		await meter.begin("a");
		await meter.sample();
		expect(await meter.end("a")).toBeCloseTo(250 + 500 + 50 + 100, 6);
	});

	it("reports nothing for a job one of whose readings failed, and goes on measuring the next", async () => {
		const meter = meterFor(["200, [N/A]", "fail", "200, [N/A]", "200, [N/A]", "400, [N/A]"]);
		await meter.begin("a");
		await meter.sample();
		expect(await meter.end("a")).toBeNull();
		await meter.begin("b");
		expect(await meter.end("b")).toBeCloseTo(300, 6);
	});

	it("sends the measured joules with the job's done event, in a body the edge accepts", async () => {
		const meter = meterFor(["150, [N/A]", "250, [N/A]"]);
		const events: JobEvent[] = [];
		const job = fakeJob(1, 5);
		const outcome = await runJob(
			{ job, abort: new AbortController(), queued: true, leaseExpiresAt: job.leaseExpiresAt, startedAt: 0 },
			{
				backend: createSimulatedBackend({ models: ["sim-1"], tokensPerSecond: 0 }),
				edge: {
					postEvents: async (_jobId, body) => {
						expect(jobEventsRequestSchema.safeParse(body).success).toBe(true);
						events.push(...body.events);
						return { leaseExpiresAt: job.leaseExpiresAt, cancelled: false };
					},
				},
				logger: createLogger({ format: "json", level: "error", write: () => {} }),
				onTokens: () => {},
				meter,
			},
		);
		expect(outcome).toEqual({ kind: "done" });
		// One job from the first reading to the last: 1 s at (150+250)/2 W.
		expect(events.at(-1)).toMatchObject({ type: "done", energyJ: 200 });
	});

	it("leaves the done event without energy when no meter runs (the edge estimates)", async () => {
		const events: JobEvent[] = [];
		const job = fakeJob(2, 3);
		await runJob(
			{ job, abort: new AbortController(), queued: true, leaseExpiresAt: job.leaseExpiresAt, startedAt: 0 },
			{
				backend: createSimulatedBackend({ models: ["sim-1"], tokensPerSecond: 0 }),
				edge: {
					postEvents: async (_jobId, body) => {
						events.push(...body.events);
						return { leaseExpiresAt: job.leaseExpiresAt, cancelled: false };
					},
				},
				logger: createLogger({ format: "json", level: "error", write: () => {} }),
				onTokens: () => {},
			},
		);
		const done = events.at(-1);
		expect(done?.type).toBe("done");
		expect(done && "energyJ" in done).toBe(false);
	});
});
