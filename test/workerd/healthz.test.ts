import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("healthz", () => {
	it("answers ok", async () => {
		const res = await exports.default.fetch("http://edge/healthz");
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ ok: true });
	});
	it("has the geozone catalogue from the seed migration", async () => {
		const row = await env.DB.prepare("SELECT count(*) AS n FROM geozones").first<{ n: number }>();
		expect(row?.n).toBe(27);
	});
});
