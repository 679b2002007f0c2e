/** What nodes serve of each model: telemetry into the zone's summary, D1 zone_status and the router's directory. */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ModelDetail } from "../../src/protocol/agent-wire.js";
import { parseModelDetails } from "../../src/routing/model-details.js";
import { zoneDirectory } from "../../src/routing/zone-directory.js";
import { agentCall, enrollNode, pollBody } from "./edge-fixtures.js";
import { heartbeatInput, MODEL, newNodeId, newZoneId, zoneStub } from "./geozone-fixtures.js";
import { advertise } from "./routing-fixtures.js";

const EMBED = "nomic-embed-text";

function beat(zoneId: string, models: string[], modelDetails?: ModelDetail[]) {
	return { ...heartbeatInput(zoneId, newNodeId(), []), models, ...(modelDetails ? { modelDetails } : {}) };
}

describe("model details in the zone", () => {
	it("merges nodes' endpoints, inputs and context per model; a node reporting none serves chat only", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.heartbeat(
			beat(
				zoneId,
				[MODEL, EMBED],
				[
					{ model: MODEL, endpoints: ["chat/completions", "completions"], inputs: ["image_url"], contextLength: 8192 },
					{ model: EMBED, endpoints: ["embeddings"], contextLength: 2048 },
				],
			),
		);
		await stub.heartbeat(
			beat(zoneId, [MODEL], [{ model: MODEL, endpoints: ["chat/completions"], contextLength: 131_072 }]),
		);
		// An agent from before model details: its second model is chat only.
		await stub.heartbeat(beat(zoneId, ["old-model"]));

		const summary = await stub.summary(zoneId);
		expect(summary.modelDetails).toEqual({
			[MODEL]: { endpoints: ["chat/completions", "completions"], inputs: ["image_url"], contextLength: 131_072 },
			[EMBED]: { endpoints: ["embeddings"], contextLength: 2048 },
			"old-model": { endpoints: ["chat/completions"] },
		});
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		const row = await env.DB.prepare("SELECT model_details FROM zone_status WHERE zone_id = ?")
			.bind(zoneId)
			.first<{ model_details: string }>();
		expect(JSON.parse(row?.model_details ?? "null")).toEqual(summary.modelDetails);
	});

	it("forgets a node's details once it is no longer live", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.heartbeat(beat(zoneId, [EMBED], [{ model: EMBED, endpoints: ["embeddings"] }]));
		expect((await stub.summary(zoneId)).modelDetails).toEqual({ [EMBED]: { endpoints: ["embeddings"] } });
		await stub.heartbeat(beat(zoneId, [MODEL]));
		await runInDurableObject(stub, (_i, s) => {
			s.storage.sql.exec("UPDATE nodes SET last_seen_at = 0 WHERE models LIKE ?", `%${EMBED}%`);
		});
		expect((await stub.summary(zoneId)).modelDetails).toEqual({ [MODEL]: { endpoints: ["chat/completions"] } });
	});

	it("reaches the router's directory from an enrolled node's telemetry", async () => {
		const node = await enrollNode("eu-stockholm");
		expect((await agentCall(node, "/poll", pollBody())).status).toBe(200);
		await advertise(node, [MODEL, EMBED], [{ model: EMBED, endpoints: ["embeddings"], contextLength: 8192 }]);
		const zone = (await zoneDirectory(env, { fresh: true })).zones.find((z) => z.zoneId === "eu-stockholm");
		expect(zone?.modelDetails).toEqual({
			[EMBED]: { endpoints: ["embeddings"], contextLength: 8192 },
			[MODEL]: { endpoints: ["chat/completions"] },
		});
	});

	it("publishes details that arrive after the node went live and the zone was written", async () => {
		const zoneId = newZoneId();
		const stub = zoneStub(zoneId);
		await stub.heartbeat(beat(zoneId, [EMBED]));
		const modelDetails = (): Promise<unknown> =>
			env.DB.prepare("SELECT model_details FROM zone_status WHERE zone_id = ?")
				.bind(zoneId)
				.first<{ model_details: string }>()
				.then((row) => JSON.parse(row?.model_details ?? "null"));
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await modelDetails()).toEqual({ [EMBED]: { endpoints: ["chat/completions"] } });
		const nodeId = (
			await runInDurableObject(stub, (_i, s) =>
				s.storage.sql.exec<{ node_id: string }>("SELECT node_id FROM nodes").one(),
			)
		).node_id;
		await stub.heartbeat({ ...beat(zoneId, [EMBED], [{ model: EMBED, endpoints: ["embeddings"] }]), nodeId });
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await modelDetails()).toEqual({ [EMBED]: { endpoints: ["embeddings"] } });
	});

	it("refuses telemetry whose model details name an unknown endpoint, naming the field", async () => {
		const node = await enrollNode("eu-stockholm");
		const res = await agentCall(node, "/telemetry", {
			hardware: "simulated",
			gpus: [],
			host: { cpuPct: 1, memUsedBytes: 1, memTotalBytes: 2 },
			models: [MODEL],
			modelDetails: [{ model: MODEL, endpoints: ["images/generations"] }],
			slots: 4,
			running: [],
			tokensPerSecond: 0,
			queueDepth: 0,
		});
		expect(res.status).toBe(400);
		const body = (await res.json()) as { error: { message: string; param: string | null } };
		expect(`${body.error.param} ${body.error.message}`).toContain("modelDetails");
	});
});

describe("model details in the directory", () => {
	it("reads rows written before zones kept details, and malformed entries, as chat only", () => {
		expect(parseModelDetails(null, [MODEL])).toEqual({ [MODEL]: { endpoints: ["chat/completions"] } });
		expect(parseModelDetails("not json", [MODEL])).toEqual({ [MODEL]: { endpoints: ["chat/completions"] } });
		expect(parseModelDetails(JSON.stringify({ [MODEL]: { endpoints: [] } }), [MODEL])).toEqual({
			[MODEL]: { endpoints: ["chat/completions"] },
		});
		expect(parseModelDetails(JSON.stringify({ [MODEL]: { endpoints: ["embeddings"] } }), [MODEL])).toEqual({
			[MODEL]: { endpoints: ["embeddings"] },
		});
	});
});
