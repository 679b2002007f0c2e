/**
 * The agent's own WebSocket client (node-agent/src/ws-client.ts) against a
 * minimal RFC 6455 server written here on node:http's upgrade event: the
 * handshake, masked client frames, fragmented and large server messages,
 * ping/pong, the close handshake, and refusals.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import {
	acceptFor,
	connectWebSocket,
	encodeFrame,
	encodeTextFrame,
	FrameReader,
	type WsClose,
	WsUpgradeRefused,
} from "../../node-agent/src/ws-client.js";
import { acceptUpgrade, ClientFrames, serverFrame } from "../support/ws-server.js";

interface TestServer {
	url: string;
	sockets: Duplex[];
	received: { opcode: number; payload: Buffer; masked: boolean }[];
	headers: Record<string, string | string[] | undefined>[];
}

let server: Server | undefined;
const open: Duplex[] = [];
afterEach(async () => {
	for (const socket of open.splice(0)) socket.destroy();
	await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
	server = undefined;
});

/** Starts a server that upgrades, records client frames, and runs `onOpen` for each socket. */
async function startServer(onOpen: (socket: Duplex) => void, refuse?: number): Promise<TestServer> {
	const state: TestServer = { url: "", sockets: [], received: [], headers: [] };
	server = createServer((_req, res) => {
		res.writeHead(refuse ?? 426, { "content-type": "application/json" });
		res.end(JSON.stringify({ error: { message: "no" } }));
	});
	server.on("upgrade", (req, socket: Duplex) => {
		state.headers.push(req.headers);
		if (refuse !== undefined) {
			socket.end(`HTTP/1.1 ${refuse} Refused\r\ncontent-length: 2\r\n\r\nno`);
			return;
		}
		acceptUpgrade(req, socket);
		state.sockets.push(socket);
		open.push(socket);
		const reader = new ClientFrames();
		state.received = reader.frames;
		socket.on("data", (chunk: Buffer) => reader.push(chunk));
		onOpen(socket);
	});
	await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
	state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/channel`;
	return state;
}

const until = async (check: () => boolean, ms = 2_000) => {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error("condition not met in time");
		await new Promise((r) => setTimeout(r, 5));
	}
};

describe("agent WebSocket client", () => {
	it("computes the RFC 6455 accept value (the RFC's own example)", () => {
		expect(acceptFor("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	});

	it("masks what it sends, sends the headers given, and reads whole, fragmented and 16-bit-length messages", async () => {
		const big = "x".repeat(70_000);
		const srv = await startServer((socket) => {
			socket.write(serverFrame(0x1, Buffer.from("hello")));
			socket.write(serverFrame(0x1, Buffer.from("frag"), false));
			socket.write(serverFrame(0x0, Buffer.from("mented")));
			socket.write(serverFrame(0x1, Buffer.from("y".repeat(300))));
		});
		const messages: string[] = [];
		const ws = await connectWebSocket(
			srv.url,
			{ headers: { authorization: "Bearer t" } },
			{
				onMessage: (text) => messages.push(text),
				onClose: () => undefined,
			},
		);
		await until(() => messages.length === 3);
		expect(messages).toEqual(["hello", "fragmented", "y".repeat(300)]);
		expect(srv.headers[0]?.authorization).toBe("Bearer t");
		expect(ws.send("ping?")).toBe(true);
		expect(ws.send(big)).toBe(true);
		expect(ws.send("héllo ✓ 🚀")).toBe(true);
		await until(() => srv.received.length >= 3);
		expect(srv.received.every((f) => f.masked)).toBe(true);
		expect(srv.received.map((f) => f.payload.toString())).toEqual(["ping?", big, "héllo ✓ 🚀"]);
		ws.terminate();
	});

	it("answers a ping with a pong, reports pongs, and completes the close handshake the server starts", async () => {
		let closeInfo: WsClose | undefined;
		let pongs = 0;
		const srv = await startServer((socket) => socket.write(serverFrame(0x9, Buffer.from("hb"))));
		const ws = await connectWebSocket(
			srv.url,
			{},
			{
				onMessage: () => undefined,
				onPong: () => pongs++,
				onClose: (c) => {
					closeInfo = c;
				},
			},
		);
		await until(() => srv.received.some((f) => f.opcode === 0xa));
		expect(srv.received.find((f) => f.opcode === 0xa)?.payload.toString()).toBe("hb");
		srv.sockets[0]?.write(serverFrame(0xa, Buffer.alloc(0)));
		await until(() => pongs === 1);
		const payload = Buffer.alloc(2 + 5);
		payload.writeUInt16BE(4001, 0);
		payload.write("again", 2);
		srv.sockets[0]?.write(serverFrame(0x8, payload));
		await until(() => closeInfo !== undefined);
		expect(closeInfo).toEqual({ code: 4001, reason: "again" });
		expect(srv.received.some((f) => f.opcode === 0x8)).toBe(true);
		expect(ws.open).toBe(false);
		expect(ws.send("late")).toBe(false);
	});

	it("closes with 1002 on a masked server frame and reports a dropped connection as 1006", async () => {
		let first: WsClose | undefined;
		const srv = await startServer((socket) => socket.write(encodeFrame(0x1, Buffer.from("masked"))));
		await connectWebSocket(srv.url, {}, { onMessage: () => undefined, onClose: (c) => (first = c) });
		await until(() => first !== undefined);
		expect(first?.code).toBe(1002);

		let second: WsClose | undefined;
		const srv2 = await startServer((socket) => setTimeout(() => socket.destroy(), 20));
		await connectWebSocket(srv2.url, {}, { onMessage: () => undefined, onClose: (c) => (second = c) });
		await until(() => second !== undefined);
		expect(second?.code).toBe(1006);
	});

	it("rejects an upgrade the server answers with an HTTP status, keeping the status", async () => {
		const srv = await startServer(() => undefined, 401);
		const refused = connectWebSocket(srv.url, {}, { onMessage: () => undefined, onClose: () => undefined });
		await expect(refused).rejects.toBeInstanceOf(WsUpgradeRefused);
		await expect(refused).rejects.toMatchObject({ status: 401 });
	});

	it("masks every frame with a new key, past the first pool of keys too", () => {
		const keys: string[] = [];
		for (let i = 0; i < 2500; i++) {
			const frame = i % 2 === 0 ? encodeTextFrame(`message ${i} ✓`) : encodeFrame(0x9, Buffer.from(`ping ${i}`));
			const [decoded] = new ClientFrames().push(frame);
			expect(decoded?.masked).toBe(true);
			expect(decoded?.payload.toString()).toBe(i % 2 === 0 ? `message ${i} ✓` : `ping ${i}`);
			keys.push(frame.subarray(2, 6).toString("hex"));
		}
		// Random 32-bit keys: a handful of repeats is chance; a pool reused without refilling repeats hundreds.
		expect(new Set(keys).size).toBeGreaterThan(2490);
	});

	it("reads frames split across chunks and refuses one over the size limit", () => {
		const reader = new FrameReader();
		const frame = serverFrame(0x1, Buffer.from("split me"));
		expect(reader.push(frame.subarray(0, 3))).toEqual([]);
		const frames = reader.push(frame.subarray(3));
		expect(frames.map((f) => f.payload.toString())).toEqual(["split me"]);
		const huge = Buffer.from([0x81, 127, 0, 0, 0, 0, 0x10, 0, 0, 0]);
		expect(() => new FrameReader().push(huge)).toThrow(/too big/);
	});
});
