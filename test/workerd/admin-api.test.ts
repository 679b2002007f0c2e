import { describe, expect, it } from "vitest";
import { ADMIN_KEY, call, DEV_KEY, enrollNode, errorOf } from "./edge-fixtures.js";

describe("admin API", () => {
	it("lists enrolled nodes without their keys", async () => {
		const node = await enrollNode("us-oregon");
		const res = await call("GET", "/admin/v1/nodes", { bearer: ADMIN_KEY });
		expect(res.status).toBe(200);
		const { data } = (await res.json()) as { data: Record<string, unknown>[] };
		const listed = data.find((n) => n.id === node.nodeId);
		expect(listed).toMatchObject({ zone: "us-oregon", status: "active", name: "test-node" });
		expect(typeof listed?.enrolledAt).toBe("number");
		expect(JSON.stringify(data)).not.toMatch(/publicKey|"x":/);
	});

	it("revokes a node, and answers 404 for an unknown one", async () => {
		const node = await enrollNode("us-oregon");
		const res = await call("POST", `/admin/v1/nodes/${node.nodeId}/revoke`, { bearer: ADMIN_KEY });
		expect(await res.json()).toEqual({ id: node.nodeId, status: "revoked" });
		const list = (await (await call("GET", "/admin/v1/nodes", { bearer: ADMIN_KEY })).json()) as {
			data: { id: string; status: string }[];
		};
		expect(list.data.find((n) => n.id === node.nodeId)?.status).toBe("revoked");
		const missing = await call("POST", "/admin/v1/nodes/node_nosuchnode000000000000/revoke", { bearer: ADMIN_KEY });
		expect(missing.status).toBe(404);
		expect((await errorOf(missing)).code).toBe("node_not_found");
	});

	it("lists the zone catalogue with null status for zones that never reported", async () => {
		const res = await call("GET", "/admin/v1/zones", { bearer: ADMIN_KEY });
		expect(res.status).toBe(200);
		const { data } = (await res.json()) as { data: { id: string; regions: unknown; status: unknown }[] };
		expect(data).toHaveLength(27);
		const stockholm = data.find((z) => z.id === "eu-stockholm");
		expect(Array.isArray(stockholm?.regions)).toBe(true);
		expect(stockholm?.status).toBeNull();
	});

	it("does not accept the client API key", async () => {
		const res = await call("GET", "/admin/v1/zones", { bearer: DEV_KEY });
		expect(res.status).toBe(401);
	});
});
