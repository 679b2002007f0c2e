/**
 * Conformance of the agent's WebSocket client (node-agent/src/ws-client.ts)
 * at the wire, against a minimal RFC 6455 server written on node:http's
 * upgrade event: the handshake and headers, masked client frames, fragmented
 * messages, control frames between fragments, close codes both ways (the
 * code the client sends on a protocol error is what the server sees),
 * oversized and binary messages, and refused upgrades.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import {
	connectWebSocket,
	MAX_MESSAGE_BYTES,
	type WsClose,
	type WsConnection,
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
		// As servers do (RFC 6455 7.1.1): the client's close frame is answered (unless the server closed first), then TCP ends.
		let serverClosed = false;
		const write = socket.write.bind(socket);
		socket.write = ((chunk: Buffer, ...rest: never[]) => {
			if (Buffer.isBuffer(chunk) && ((chunk[0] ?? 0) & 0x0f) === 0x8) serverClosed = true;
			return write(chunk, ...rest);
		}) as typeof socket.write;
		socket.on("data", (chunk: Buffer) => {
			for (const frame of reader.push(chunk)) {
				if (frame.opcode !== 0x8) continue;
				if (serverClosed) socket.end();
				else socket.end(serverFrame(0x8, frame.payload));
			}
		});
		socket.on("error", () => socket.destroy());
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

/** A close frame's payload: code and reason. */
function closePayload(code: number, reason = ""): Buffer {
	const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
	payload.writeUInt16BE(code, 0);
	payload.write(reason, 2);
	return payload;
}

/** Connects and records messages, pongs and the close. */
async function connect(url: string, headers: Record<string, string> = {}) {
	const seen = { messages: [] as string[], pongs: 0, close: undefined as WsClose | undefined };
	const ws: WsConnection = await connectWebSocket(
		url,
		{ headers },
		{
			onMessage: (text) => seen.messages.push(text),
			onPong: () => seen.pongs++,
			onClose: (c) => {
				seen.close = c;
			},
		},
	);
	return { ws, seen };
}

/** The close code the client sent, once it sent one. */
function sentCloseCode(srv: TestServer): number | undefined {
	return srv.received.find((f) => f.opcode === 0x8)?.payload.readUInt16BE(0);
}

describe("agent WebSocket client conformance", () => {
	it("sends the headers given, masks every frame, and reads whole, fragmented and 16/64-bit-length messages", async () => {
		const big = "x".repeat(70_000);
		const srv = await startServer((socket) => {
			socket.write(serverFrame(0x1, Buffer.from("hello")));
			socket.write(serverFrame(0x1, Buffer.from("frag"), false));
			socket.write(serverFrame(0x0, Buffer.from("men"), false));
			socket.write(serverFrame(0x0, Buffer.from("ted")));
			socket.write(serverFrame(0x1, Buffer.from("y".repeat(300))));
			socket.write(serverFrame(0x1, Buffer.from(big)));
		});
		const { ws, seen } = await connect(srv.url, { authorization: "Bearer t" });
		await until(() => seen.messages.length === 4);
		expect(seen.messages).toEqual(["hello", "fragmented", "y".repeat(300), big]);
		expect(srv.headers[0]?.authorization).toBe("Bearer t");
		expect(ws.send("ping?")).toBe(true);
		expect(ws.send(big)).toBe(true);
		expect(ws.send("héllo ✓ 🚀")).toBe(true);
		await until(() => srv.received.length >= 3);
		expect(srv.received.every((f) => f.masked)).toBe(true);
		expect(srv.received.map((f) => f.payload.toString())).toEqual(["ping?", big, "héllo ✓ 🚀"]);
		ws.terminate();
	});

	it("answers a ping between a message's fragments at once and still joins the message", async () => {
		const srv = await startServer((socket) => {
			socket.write(serverFrame(0x1, Buffer.from("frag"), false));
			socket.write(serverFrame(0x9, Buffer.from("hb")));
			socket.write(serverFrame(0x0, Buffer.from("men"), false));
			socket.write(serverFrame(0xa, Buffer.alloc(0)));
		});
		const { ws, seen } = await connect(srv.url);
		// The pong leaves before the message is complete: a control frame is not held behind fragments.
		await until(() => srv.received.some((f) => f.opcode === 0xa));
		expect(srv.received.find((f) => f.opcode === 0xa)?.payload.toString()).toBe("hb");
		await until(() => seen.pongs === 1);
		expect(seen.messages).toEqual([]);
		srv.sockets[0]?.write(serverFrame(0x0, Buffer.from("ted")));
		await until(() => seen.messages.length === 1);
		expect(seen.messages).toEqual(["fragmented"]);
		ws.terminate();
	});

	it("reports the server's close code and reason and answers its close frame", async () => {
		const srv = await startServer(() => undefined);
		const { ws, seen } = await connect(srv.url);
		srv.sockets[0]?.write(serverFrame(0x8, closePayload(4001, "again")));
		await until(() => seen.close !== undefined);
		expect(seen.close).toEqual({ code: 4001, reason: "again" });
		await until(() => sentCloseCode(srv) !== undefined);
		expect(sentCloseCode(srv)).toBe(4001);
		expect(ws.open).toBe(false);
		expect(ws.send("late")).toBe(false);
	});

	it("sends its own close code and reason, and reports the close once the server answers", async () => {
		const srv = await startServer(() => undefined);
		const { ws, seen } = await connect(srv.url);
		ws.close(1000, "agent stopping");
		await until(() => seen.close !== undefined);
		const sent = srv.received.find((f) => f.opcode === 0x8)?.payload;
		expect(sent?.readUInt16BE(0)).toBe(1000);
		expect(sent?.subarray(2).toString()).toBe("agent stopping");
		expect(seen.close?.code).toBe(1000);
	});

	it("closes with 1002 on a masked server frame and reports a dropped connection as 1006", async () => {
		// A server must not mask (RFC 6455 5.1): this frame carries a zero masking key.
		const masked = Buffer.concat([Buffer.from([0x81, 0x80 | 6, 0, 0, 0, 0]), Buffer.from("masked")]);
		const srv = await startServer((socket) => socket.write(masked));
		const first = await connect(srv.url);
		await until(() => first.seen.close !== undefined);
		expect(sentCloseCode(srv)).toBe(1002);
		expect(first.seen.messages).toEqual([]);

		const srv2 = await startServer((socket) => setTimeout(() => socket.destroy(), 20));
		const second = await connect(srv2.url);
		await until(() => second.seen.close !== undefined);
		expect(second.seen.close?.code).toBe(1006);
	});

	it("closes with 1002 on a continuation frame that continues nothing", async () => {
		const srv = await startServer((socket) => socket.write(serverFrame(0x0, Buffer.from("orphan"))));
		const { seen } = await connect(srv.url);
		await until(() => seen.close !== undefined);
		expect(sentCloseCode(srv)).toBe(1002);
		expect(seen.messages).toEqual([]);
	});

	it("closes with 1009 on a message over the size limit, whole or in fragments", async () => {
		const header = Buffer.from([0x81, 127, 0, 0, 0, 0, 0, 0, 0, 0]);
		header.writeBigUInt64BE(BigInt(MAX_MESSAGE_BYTES + 1), 2);
		const srv = await startServer((socket) => socket.write(header));
		const whole = await connect(srv.url);
		await until(() => whole.seen.close !== undefined);
		expect(sentCloseCode(srv)).toBe(1009);

		const half = Buffer.alloc(MAX_MESSAGE_BYTES / 2 + 1, 0x61);
		const srv2 = await startServer((socket) => {
			socket.write(serverFrame(0x1, half, false));
			socket.write(serverFrame(0x0, half, false));
		});
		const fragmented = await connect(srv2.url);
		await until(() => fragmented.seen.close !== undefined, 5_000);
		expect(sentCloseCode(srv2)).toBe(1009);
		expect(fragmented.seen.messages).toEqual([]);
	});

	it("closes with 1003 on a binary message, which the channel protocol has none of", async () => {
		const srv = await startServer((socket) => socket.write(serverFrame(0x2, Buffer.from([1, 2, 3]))));
		const { seen } = await connect(srv.url);
		await until(() => sentCloseCode(srv) !== undefined);
		expect(sentCloseCode(srv)).toBe(1003);
		expect(seen.messages).toEqual([]);
	});

	it("rejects an upgrade the server answers with an HTTP status, keeping the status", async () => {
		const srv = await startServer(() => undefined, 401);
		const refused = connectWebSocket(srv.url, {}, { onMessage: () => undefined, onClose: () => undefined });
		await expect(refused).rejects.toBeInstanceOf(WsUpgradeRefused);
		await expect(refused).rejects.toMatchObject({ status: 401 });
	});
});
