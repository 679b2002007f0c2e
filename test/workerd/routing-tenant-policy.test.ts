import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { TestNode } from "./edge-fixtures.js";
import { answer, complete, FRANKFURT_CF, liveZone, pollJob } from "./routing-fixtures.js";

describe("a tenant's default routing policy", () => {
	let frankfurt: TestNode;

	beforeAll(async () => {
		// Set before this file's first request: the tenant's settings are cached per isolate.
		await env.DB.prepare("UPDATE tenants SET default_policy = 'latency' WHERE id = 'tenant_dev'").run();
		frankfurt = await liveZone("eu-frankfurt");
		await liveZone("eu-stockholm");
	});

	it("applies when the request names no policy", async () => {
		const pending = complete({ cf: FRANKFURT_CF });
		const job = await pollJob(frankfurt);
		await answer(frankfurt, job);
		const res = await pending;
		expect(res.headers.get("x-arcnet-policy")).toBe("latency");
		expect(res.headers.get("x-arcnet-zone")).toBe("eu-frankfurt");
	});
});
