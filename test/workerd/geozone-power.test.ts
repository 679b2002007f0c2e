/** The zone's power draw from its live nodes' telemetry, in the summary and D1 zone_status. */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { GpuReading, PowerSource } from "../../src/protocol/agent-wire.js";
import { heartbeatInput, newNodeId, newZoneId, zoneStub } from "./geozone-fixtures.js";

function gpu(index: number, powerDrawW: number | null): GpuReading {
	return {
		index,
		name: "NVIDIA H100 80GB HBM3",
		utilizationPct: 50,
		memoryUsedMiB: 1,
		memoryTotalMiB: 2,
		temperatureC: 60,
		powerDrawW,
		powerLimitW: 700,
	};
}

function beat(zoneId: string, gpus: GpuReading[], power?: PowerSource) {
	return {
		...heartbeatInput(zoneId, newNodeId(), []),
		hardware: "nvidia-smi" as const,
		gpus,
		...(power ? { power } : {}),
	};
}

describe("GeozoneDO zone power", () => {
	it("sums live nodes' GPU capacity, and the capacity and capacity × intensity of nodes on their own supply", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.heartbeat(beat(zoneId, [gpu(0, 300), gpu(1, 100)], { source: "solar", gco2PerKwh: 40 }));
		await stub.heartbeat(beat(zoneId, [gpu(0, 250), gpu(1, null)]));
		await stub.heartbeat(beat(zoneId, [gpu(0, 200)], { source: "grid", gco2PerKwh: 500 }));
		const gone = beat(zoneId, [gpu(0, 9_000)], { source: "battery", gco2PerKwh: 10 });
		await stub.heartbeat(gone);
		await runInDurableObject(stub, (_i, s) => {
			s.storage.sql.exec("UPDATE nodes SET last_seen_at = 0 WHERE node_id = ?", gone.nodeId);
		});

		// Live, by power limit (700 W a GPU): 1400 W solar at 40 g/kWh, 1400 W grid, 700 W declared "grid" (counts as grid).
		const expected = { powerW: 3500, ownPowerW: 1400, ownPowerGco2W: 56_000 };
		expect(await stub.summary(zoneId)).toMatchObject({ liveNodes: 3, ...expected });
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		const status = await env.DB.prepare(
			"SELECT live_nodes, power_w, own_power_w, own_power_gco2_w FROM zone_status WHERE zone_id = ?",
		)
			.bind(zoneId)
			.first();
		expect(status).toEqual({ live_nodes: 3, power_w: 3500, own_power_w: 1400, own_power_gco2_w: 56_000 });
	});

	it("reports no draw for nodes without telemetry (simulated or poll-only)", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.heartbeat(heartbeatInput(zoneId, newNodeId(), []));
		expect(await stub.summary(zoneId)).toMatchObject({ liveNodes: 1, powerW: 0, ownPowerW: 0, ownPowerGco2W: 0 });
	});
});
