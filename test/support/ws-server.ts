/**
 * The server side of RFC 6455, as far as the agent's tests need it: accept an
 * upgrade on node:http's `upgrade` event, read the client's masked frames,
 * and write unmasked server frames. Used by the fake edge (agent tests and
 * bench:agent) and by the WebSocket client's own tests.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

/** One frame read from a client. */
export interface ClientFrame {
	opcode: number;
	payload: Buffer;
	masked: boolean;
}

/** Reads masked client frames off a byte stream (whole frames only; the rest waits for more bytes). */
export class ClientFrames {
	readonly frames: ClientFrame[] = [];
	#buffer = Buffer.alloc(0);

	/** Adds bytes; returns the frames they completed (also appended to `frames`). */
	push(chunk: Buffer): ClientFrame[] {
		this.#buffer = Buffer.concat([this.#buffer, chunk]);
		const done: ClientFrame[] = [];
		for (;;) {
			const b = this.#buffer;
			if (b.length < 2) break;
			const opcode = (b[0] ?? 0) & 0x0f;
			const masked = ((b[1] ?? 0) & 0x80) !== 0;
			let length = (b[1] ?? 0) & 0x7f;
			let at = 2;
			if (length === 126) {
				if (b.length < 4) break;
				length = b.readUInt16BE(2);
				at = 4;
			} else if (length === 127) {
				if (b.length < 10) break;
				length = Number(b.readBigUInt64BE(2));
				at = 10;
			}
			const maskBytes = masked ? 4 : 0;
			if (b.length < at + maskBytes + length) break;
			const mask = b.subarray(at, at + maskBytes);
			const payload = Buffer.from(b.subarray(at + maskBytes, at + maskBytes + length));
			if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (mask[i & 3] ?? 0);
			done.push({ opcode, payload, masked });
			this.#buffer = b.subarray(at + maskBytes + length);
		}
		this.frames.push(...done);
		return done;
	}
}

/** A server frame (never masked). */
export function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
	const first = (fin ? 0x80 : 0) | opcode;
	if (payload.length < 126) return Buffer.concat([Buffer.from([first, payload.length]), payload]);
	if (payload.length < 65_536) {
		const head = Buffer.from([first, 126, 0, 0]);
		head.writeUInt16BE(payload.length, 2);
		return Buffer.concat([head, payload]);
	}
	const head = Buffer.alloc(10);
	head[0] = first;
	head[1] = 127;
	head.writeBigUInt64BE(BigInt(payload.length), 2);
	return Buffer.concat([head, payload]);
}

/** Answers the upgrade with 101 and the right Sec-WebSocket-Accept. */
export function acceptUpgrade(req: IncomingMessage, socket: Duplex): void {
	const key = String(req.headers["sec-websocket-key"]);
	const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
	socket.write(
		`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
	);
}

/** Refuses an upgrade with an HTTP status and a JSON error body. */
export function refuseUpgrade(socket: Duplex, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	socket.end(
		`HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
	);
}
