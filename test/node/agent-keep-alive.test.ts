/**
 * The agent's HTTP client keeps an idle connection to the edge between
 * telemetry ticks (every 5 s by default): Node's global agent dropped it after
 * 5 s, so each heartbeat opened a new connection. A server that announces a
 * shorter keep-alive is obeyed.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { httpFetch } from "../../node-agent/src/http-fetch.js";

let server: Server | undefined;
afterEach(async () => {
	server?.closeAllConnections();
	await new Promise((r) => server?.close(r));
	server = undefined;
});

/** A server answering "ok" that counts the connections it accepts; keeps idle ones `keepAliveMs`. */
async function countingServer(keepAliveMs: number): Promise<{ url: string; connections: () => number }> {
	let connections = 0;
	server = createServer((_req, res) => res.end("ok"));
	server.keepAliveTimeout = keepAliveMs;
	server.on("connection", () => connections++);
	await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, connections: () => connections };
}

describe("agent HTTP keep-alive", () => {
	it("reuses one connection for requests a telemetry interval apart", async () => {
		const s = await countingServer(400_000);
		expect(await (await httpFetch(s.url)).text()).toBe("ok");
		await new Promise((r) => setTimeout(r, 5_500));
		expect(await (await httpFetch(s.url)).text()).toBe("ok");
		expect(s.connections()).toBe(1);
	}, 15_000);

	it("opens a new connection when the server announced a shorter keep-alive", async () => {
		const s = await countingServer(1_000);
		await (await httpFetch(s.url)).text();
		await new Promise((r) => setTimeout(r, 1_500));
		expect(await (await httpFetch(s.url)).text()).toBe("ok");
		expect(s.connections()).toBe(2);
	});
});
