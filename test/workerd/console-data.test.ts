/**
 * The console's read views: the fleet (zones with carbon and capacity, nodes
 * with their zone object's telemetry), the jobs with their routing record,
 * carbon avoided against nearest-zone routing, and the page itself with its
 * Content-Security-Policy.
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { consoleCall, signIn } from "./console-fixtures.js";
import { enrollNode, errorOf } from "./edge-fixtures.js";
import { heartbeatInput, newNodeId, newZoneId, zoneStub } from "./geozone-fixtures.js";

const H100 = {
	index: 0,
	name: "NVIDIA H100 80GB HBM3",
	utilizationPct: 73,
	memoryUsedMiB: 40_000,
	memoryTotalMiB: 81_559,
	temperatureC: 61,
	powerDrawW: 450,
	powerLimitW: 700,
};

async function insertJob(fields: Record<string, string | number | null>): Promise<void> {
	const row = {
		tenant_id: "tenant_dev",
		model: "m",
		status: "succeeded",
		stream: 0,
		received_at: Date.now(),
		routing: "{}",
		...fields,
	};
	const columns = Object.keys(row);
	await env.DB.prepare(`INSERT INTO jobs (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`)
		.bind(...Object.values(row))
		.run();
}

describe("GeozoneDO.nodeViews", () => {
	it("lists every node with liveness, slots in use and its last telemetry, gone nodes included", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		const live = heartbeatInput(zoneId, newNodeId(), []);
		await stub.heartbeat({ ...live, hardware: "nvidia-smi", gpus: [H100], power: { source: "solar", gco2PerKwh: 40 } });
		const gone = heartbeatInput(zoneId, newNodeId(), []);
		await stub.heartbeat(gone);
		await runInDurableObject(stub, (_i, s) => {
			s.storage.sql.exec("UPDATE nodes SET last_seen_at = 0 WHERE node_id = ?", gone.nodeId);
		});
		const views = await stub.nodeViews(zoneId);
		const byId = new Map(views.map((v) => [v.nodeId, v]));
		expect(byId.get(live.nodeId)).toMatchObject({ live: true, slots: 4, busySlots: 0, models: live.models });
		expect(byId.get(live.nodeId)?.telemetry).toMatchObject({ gpus: [H100], power: { source: "solar" } });
		expect(byId.get(gone.nodeId)).toMatchObject({ live: false, lastSeenAt: 0 });
	});

	it("refuses a malformed zone id naming the field", async () => {
		const error = await zoneStub(newZoneId())
			.nodeViews("")
			.then(
				() => null,
				(e: unknown) => e,
			);
		expect(String(error)).toMatch(/nodeViews: zoneId: .*got "" \(string\)/);
	});
});

describe("console fleet", () => {
	it("shows every catalogue zone with its carbon signal, and an enrolled node with its live telemetry", async () => {
		const node = await enrollNode("us-oregon");
		await zoneStub("us-oregon").heartbeat({
			...heartbeatInput("us-oregon", node.nodeId, []),
			hardware: "nvidia-smi",
			gpus: [H100],
			power: { source: "wind", gco2PerKwh: 12 },
		});
		const session = await signIn();
		const res = await consoleCall(session, "GET", "/fleet");
		expect(res.status).toBe(200);
		const fleet = (await res.json()) as { zones: Record<string, unknown>[]; nodes: Record<string, unknown>[] };
		expect(fleet.zones).toHaveLength(27);
		const oregon = fleet.zones.find((z) => z.id === "us-oregon");
		expect(oregon).toMatchObject({ enabled: true, carbon: { source: "catalogue default", stale: true } });
		expect(fleet.nodes.find((n) => n.id === node.nodeId)).toMatchObject({
			zoneId: "us-oregon",
			agentVersion: "0.1.0-test",
			live: true,
			power: "wind",
			gpuUtilPct: 73,
			vramUsedMiB: 40_000,
			temperatureC: 61,
			powerDrawW: 450,
			telemetryStale: false,
			slots: 4,
			busySlots: 0,
		});
	});
});

describe("console jobs and carbon", () => {
	it("lists jobs newest first, filtered by zone, tenant, model and status, with the routing record parsed", async () => {
		const routing = {
			policy: "carbon",
			client: { lat: 50, lon: 8, source: "cf" },
			candidates: [],
			chosenZoneId: "eu-stockholm",
		};
		await insertJob({
			id: "job_console_a",
			zone_id: "eu-stockholm",
			tenant_id: "t_a",
			model: "m1",
			received_at: 1_000,
			routing: JSON.stringify(routing),
		});
		await insertJob({
			id: "job_console_b",
			zone_id: "us-oregon",
			tenant_id: "t_a",
			model: "m2",
			status: "failed",
			received_at: 2_000,
		});
		const session = await signIn();
		const byZone = (await (await consoleCall(session, "GET", "/jobs?zone=eu-stockholm&tenant=t_a")).json()) as {
			data: Record<string, unknown>[];
		};
		expect(byZone.data.map((j) => j.id)).toEqual(["job_console_a"]);
		expect(byZone.data[0]?.routing).toEqual(routing);
		const failed = (await (await consoleCall(session, "GET", "/jobs?status=failed&model=m2")).json()) as {
			data: Record<string, unknown>[];
		};
		expect(failed.data.map((j) => j.id)).toEqual(["job_console_b"]);
		const one = await consoleCall(session, "GET", "/jobs/job_console_a");
		expect(await one.json()).toMatchObject({ id: "job_console_a", policy: null, routing });
		expect((await consoleCall(session, "GET", "/jobs/job_nowhere")).status).toBe(404);
		const bad = await consoleCall(session, "GET", "/jobs?status=exploded");
		expect(bad.status).toBe(400);
		expect((await errorOf(bad)).message).toMatch(/status.*exploded/);
	});

	it("computes carbon avoided against the nearest zone per tenant and zone, and gCO2 per 1,000 tokens per day", async () => {
		const now = Date.now();
		// 3.6e6 J = 1 kWh: avoided = nearest - chosen intensity.
		await insertJob({
			id: "job_carbon_1",
			tenant_id: "t_carbon",
			zone_id: "eu-stockholm",
			received_at: now - 1_000,
			est_energy_j: 3.6e6,
			zone_gco2_per_kwh: 20,
			nearest_zone_id: "eu-frankfurt",
			nearest_gco2_per_kwh: 320,
			est_gco2: 20,
			prompt_tokens: 500,
			completion_tokens: 500,
		});
		await insertJob({
			id: "job_carbon_2",
			tenant_id: "t_carbon",
			zone_id: "eu-stockholm",
			received_at: now - 3 * 86_400_000,
			est_energy_j: 1.8e6,
			zone_gco2_per_kwh: 20,
			nearest_zone_id: "eu-frankfurt",
			nearest_gco2_per_kwh: 220,
			est_gco2: 10,
			prompt_tokens: 1000,
			completion_tokens: 1000,
		});
		await insertJob({
			id: "job_carbon_3",
			tenant_id: "t_carbon",
			zone_id: "eu-stockholm",
			received_at: now - 40 * 86_400_000,
			est_energy_j: 3.6e6,
			zone_gco2_per_kwh: 0,
			nearest_zone_id: "eu-frankfurt",
			nearest_gco2_per_kwh: 1000,
		});
		const session = await signIn();
		const carbon = (await (await consoleCall(session, "GET", "/carbon")).json()) as {
			series: { day: string; gco2Per1kTokens: number | null }[];
			avoided: { byTenant: Record<string, unknown>[]; byZone: Record<string, unknown>[] };
		};
		expect(carbon.avoided.byTenant.find((r) => r.key === "t_carbon")).toEqual({
			key: "t_carbon",
			today: 300,
			days7: 400,
			days30: 400,
			jobs: 2,
		});
		expect(carbon.avoided.byZone.find((r) => r.key === "eu-stockholm")).toMatchObject({
			today: 300,
			days7: 400,
			days30: 400,
		});
		const today = new Date(now).toISOString().slice(0, 10);
		expect(carbon.series.find((d) => d.day === today)?.gco2Per1kTokens).toBeGreaterThan(0);
	});
});

describe("console page", () => {
	it("redirects /console to /console/ and serves the page and script with a strict Content-Security-Policy", async () => {
		const bare = await exports.default.fetch("http://edge/console", { redirect: "manual" });
		expect(bare.status).toBe(308);
		expect(bare.headers.get("location")).toBe("/console/");
		const page = await exports.default.fetch("http://edge/console/");
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('<script type="module" src="/console/app.js"></script>');
		const csp = page.headers.get("content-security-policy") ?? "";
		expect(csp).toContain("default-src 'none'");
		expect(csp).toContain("script-src 'self'");
		expect(csp).not.toContain("unsafe-inline");
		expect(page.headers.get("x-frame-options")).toBe("DENY");
		const script = await exports.default.fetch("http://edge/console/app.js");
		expect(script.status).toBe(200);
		expect(script.headers.get("content-type")).toContain("javascript");
	});
});
