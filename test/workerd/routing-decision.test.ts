import { beforeAll, describe, expect, it } from "vitest";
import { errorOf, type TestNode } from "./edge-fixtures.js";
import { answer, complete, FRANKFURT_CF, liveZone, pollJob } from "./routing-fixtures.js";

interface Arcnet {
	zone: string;
	node: string | null;
	policy: string;
	est_latency_ms: number | null;
	gco2_per_kwh: number | null;
	energy_j: number | null;
	gco2: number | null;
	estimated: boolean;
}

describe("routing decisions from Frankfurt", () => {
	let frankfurt: TestNode;
	let stockholm: TestNode;
	let paris: TestNode;

	beforeAll(async () => {
		frankfurt = await liveZone("eu-frankfurt");
		stockholm = await liveZone("eu-stockholm");
		paris = await liveZone("eu-paris");
	});

	it("sends a carbon request to a low-carbon European zone", async () => {
		const pending = complete({ headers: { "x-arcnet-policy": "carbon" }, cf: FRANKFURT_CF });
		const job = await pollJob(stockholm);
		await answer(stockholm, job);
		const res = await pending;
		expect(res.status).toBe(200);
		expect(res.headers.get("x-arcnet-zone")).toBe("eu-stockholm");
		expect(res.headers.get("x-arcnet-policy")).toBe("carbon");
		expect(res.headers.get("x-arcnet-gco2-per-kwh")).toBe("21");
	});

	it("sends a latency request to eu-frankfurt", async () => {
		const pending = complete({ body: { arcnet: { policy: "latency" } }, cf: FRANKFURT_CF });
		const job = await pollJob(frankfurt);
		await answer(frankfurt, job);
		const res = await pending;
		expect(res.headers.get("x-arcnet-zone")).toBe("eu-frankfurt");
		expect(res.headers.get("x-arcnet-policy")).toBe("latency");
		expect(Number(res.headers.get("x-arcnet-est-latency-ms"))).toBeLessThan(5);
	});

	it("follows explicit weights: nearly all latency stays in Frankfurt", async () => {
		const pending = complete({ headers: { "x-arcnet-policy": "weights:latency=0.99,carbon=0.01" }, cf: FRANKFURT_CF });
		const job = await pollJob(frankfurt);
		await answer(frankfurt, job);
		const res = await pending;
		expect(res.headers.get("x-arcnet-zone")).toBe("eu-frankfurt");
		expect(res.headers.get("x-arcnet-policy")).toBe("weights:latency=0.99,carbon=0.01");
	});

	it("explains the decision in headers and in the body's arcnet object", async () => {
		const pending = complete({
			headers: { "x-arcnet-policy": "balanced", "x-arcnet-regions": "fr,de" },
			cf: FRANKFURT_CF,
		});
		const job = await pollJob(paris);
		await answer(paris, job);
		const res = await pending;
		expect(res.status).toBe(200);
		expect(res.headers.get("x-arcnet-zone")).toBe("eu-paris");
		expect(res.headers.get("x-arcnet-node")).toBe(paris.nodeId);
		const route = res.headers.get("x-arcnet-route") ?? "";
		expect(route).toMatch(/^policy=balanced; chosen=eu-paris; candidates=eu-paris:\d+\.\d\d,eu-frankfurt:\d+\.\d\d/);
		expect(route).toContain("eu-stockholm:region");
		const body = (await res.json()) as { arcnet: Arcnet };
		expect(body.arcnet).toMatchObject({ zone: "eu-paris", node: paris.nodeId, policy: "balanced", gco2_per_kwh: 33 });
		expect(body.arcnet.est_latency_ms).toBe(Number(res.headers.get("x-arcnet-est-latency-ms")));
		expect(body.arcnet.estimated).toBe(true);
		// Energy and carbon come from the zone's done event when it carries an estimate.
		const energy = body.arcnet.energy_j;
		expect(res.headers.get("x-arcnet-energy-j")).toBe(energy === null ? null : String(energy));
	});

	it("puts the arcnet object on the final stream chunk", async () => {
		const pending = complete({ headers: { "x-arcnet-policy": "carbon" }, cf: FRANKFURT_CF, body: { stream: true } });
		const job = await pollJob(stockholm);
		await answer(stockholm, job);
		const res = await pending;
		const data = (await res.text())
			.split("\n\n")
			.filter((b) => b.startsWith("data: ") && b !== "data: [DONE]")
			.map((b) => JSON.parse(b.slice(6)) as { arcnet?: Arcnet });
		expect(data.at(-1)?.arcnet).toMatchObject({ zone: "eu-stockholm", policy: "carbon" });
		expect(data.slice(0, -1).every((chunk) => chunk.arcnet === undefined)).toBe(true);
	});

	it("answers 503 when the latency bound leaves no zone", async () => {
		const res = await complete({
			headers: { "x-arcnet-max-latency-ms": "1", "x-arcnet-regions": "se" },
			cf: FRANKFURT_CF,
		});
		expect(res.status).toBe(503);
	});

	it("refuses an unknown policy header with 400 naming the header, the value and the allowed values", async () => {
		const res = await complete({ headers: { "x-arcnet-policy": "greenest" } });
		expect(res.status).toBe(400);
		const error = await errorOf(res);
		expect(error.param).toBe("x-arcnet-policy");
		expect(error.message).toContain('"greenest"');
		expect(error.message).toContain("weights:latency=");
	});

	it("refuses a bad arcnet.policy in the body with 400 naming the field", async () => {
		const res = await complete({ body: { arcnet: { policy: "weights:latency=0,carbon=0" } } });
		expect(res.status).toBe(400);
		expect((await errorOf(res)).param).toBe("arcnet.policy");
	});
});
