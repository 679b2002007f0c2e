/**
 * The console's event log is fed where things happen: the zone's alarm
 * (leases expiring, nodes going silent), enrollment (nodes joining), the
 * carbon refresh (a signal starting to fail) and dispatch (a job failing over).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { failingZones, recordNewlyStale } from "../../src/carbon/stale-events.js";
import { failoverEvent } from "../../src/routing/failover-event.js";
import { consoleCall, signIn } from "./console-fixtures.js";
import { enrollNode } from "./edge-fixtures.js";
import { newNodeId, newZoneId, pollInput, submitInput, zoneStub } from "./geozone-fixtures.js";

async function eventsOf(where: string, ...binds: string[]): Promise<Record<string, unknown>[]> {
	const { results } = await env.DB.prepare(`SELECT * FROM events WHERE ${where} ORDER BY id`)
		.bind(...binds)
		.all();
	return results;
}

async function eventually(where: string, ...binds: string[]): Promise<Record<string, unknown>[]> {
	for (let i = 0; i < 100; i++) {
		const rows = await eventsOf(where, ...binds);
		if (rows.length > 0) return rows;
		await new Promise((r) => setTimeout(r, 20));
	}
	throw new Error(`no event where ${where}`);
}

describe("console events", () => {
	it("records a lease that expired and a node that went silent when the zone's alarm runs", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const nodeId = newNodeId();
		await stub.poll(pollInput(zoneId, nodeId));
		const input = submitInput(zoneId);
		await stub.submit(input);
		await stub.poll(pollInput(zoneId, nodeId));
		await runInDurableObject(stub, (_i, s) => {
			s.storage.sql.exec("UPDATE jobs SET lease_expires_at = 1 WHERE status IN ('leased', 'running')");
			s.storage.sql.exec("UPDATE nodes SET last_seen_at = 0 WHERE node_id = ?", nodeId);
		});
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		const rows = await eventsOf("zone_id = ?", zoneId);
		expect(rows.map((r) => [r.kind, r.job_id ?? r.node_id])).toEqual([
			["node_left", nodeId],
			["lease_expired", input.jobId],
		]);
	});

	it("records a node joining at enrollment, and serves events newest first after a given id", async () => {
		const node = await enrollNode("eu-frankfurt");
		const [joined] = await eventually("kind = 'node_joined' AND node_id = ?", node.nodeId);
		expect(joined).toMatchObject({ zone_id: "eu-frankfurt" });
		const session = await signIn();
		const all = (await (await consoleCall(session, "GET", "/events")).json()) as { data: { id: number }[] };
		expect(all.data.length).toBeGreaterThan(0);
		const ids = all.data.map((e) => e.id);
		expect(ids).toEqual([...ids].sort((a, b) => b - a));
		const newest = ids[0] ?? 0;
		const after = (await (await consoleCall(session, "GET", `/events?after=${newest}`)).json()) as { data: unknown[] };
		expect(after.data).toEqual([]);
		const bad = await consoleCall(session, "GET", "/events?after=-1");
		expect(bad.status).toBe(400);
	});

	it("records a carbon signal once when it starts failing, not at every refresh", async () => {
		const zoneId = "eu-paris";
		await env.DB.prepare(
			"INSERT OR REPLACE INTO carbon_signals (zone_id, grid_zone, gco2_per_kwh, source, observed_at, fetched_at, last_error, last_error_at) VALUES (?, 'FR', 30, 'electricitymaps', 1000, 1000, NULL, NULL)",
		)
			.bind(zoneId)
			.run();
		const before = await failingZones(env);
		await env.DB.prepare("UPDATE carbon_signals SET last_error = 'HTTP 503', last_error_at = 2000 WHERE zone_id = ?")
			.bind(zoneId)
			.run();
		await recordNewlyStale(env, before);
		await recordNewlyStale(env, await failingZones(env));
		const rows = await eventsOf("kind = 'carbon_stale' AND zone_id = ?", zoneId);
		expect(rows).toHaveLength(1);
		expect(rows[0]?.message).toContain("HTTP 503");
	});

	it("describes a job that failed over, and nothing for one the first zone took", () => {
		const decision = {
			policy: "balanced" as const,
			client: { lat: 0, lon: 0, source: "cf" },
			candidates: [],
			excluded: [],
			chosenZoneId: "us-oregon",
			nearestZoneId: "us-oregon",
			nearestGco2PerKwh: 100,
		};
		expect(failoverEvent({ zoneId: "us-oregon", jobId: "job_a", decision: { ...decision, refused: [] } })).toBeNull();
		const event = failoverEvent({
			zoneId: "us-oregon",
			jobId: "job_b",
			decision: { ...decision, refused: [{ zoneId: "us-texas", reason: "queue_full" }] },
		});
		expect(event).toMatchObject({ kind: "job_failover", zoneId: "us-oregon", jobId: "job_b" });
		expect(event?.message).toContain("us-texas: queue_full");
	});
});
