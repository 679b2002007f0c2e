/**
 * A small WebSocket client (RFC 6455) on node:http / node:https, for the
 * agent's channel to its zone. Node 20 has no WebSocket client of its own,
 * and the undici one that Node 22 ships costs an idle agent about 13 MB of
 * resident memory (the agent must idle under 60 MB), so the agent speaks the protocol itself: the
 * HTTP upgrade, masked client frames, fragmented and control frames, and the
 * close handshake. Text messages only; binary messages are refused.
 */
import { createHash, randomBytes, randomFillSync } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Duplex } from "node:stream";
import { http } from "./builtins.js";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** Largest message accepted from the server; a bigger one closes the socket with 1009. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** Why a socket closed: the peer's (or our) close code and reason; 1006 when the connection just dropped. */
export interface WsClose {
	code: number;
	reason: string;
}

export interface WsHandlers {
	onMessage: (text: string) => void;
	onClose: (close: WsClose) => void;
	/** A pong arrived (the answer to ping()). */
	onPong?: () => void;
}

/** An open WebSocket. */
export interface WsConnection {
	/** Sends a text message; false when the socket is no longer open (nothing was sent). */
	send(text: string): boolean;
	ping(): void;
	/** Starts the close handshake; the socket is destroyed if the peer does not answer within 2 s. */
	close(code?: number, reason?: string): void;
	/** Drops the connection at once (no handshake). */
	terminate(): void;
	readonly open: boolean;
}

/** The Sec-WebSocket-Accept value the server must answer for `key`. */
export function acceptFor(key: string): string {
	return createHash("sha1")
		.update(key + GUID)
		.digest("base64");
}

/**
 * Masking keys come from a pool filled by the CSPRNG 1024 keys at a time (as
 * the `ws` package does): one randomFillSync call per frame was a measurable
 * share of the agent's CPU per job. Each key is still used once.
 */
const MASK_POOL = Buffer.allocUnsafe(4096);
let maskOffset = MASK_POOL.length;

/** Writes a FIN frame's header for `length` payload bytes and a fresh masking key; returns the frame and where its payload starts. */
function maskedFrame(opcode: number, length: number): { frame: Buffer; start: number } {
	const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
	const frame = Buffer.allocUnsafe(headerLength + 4 + length);
	frame[0] = 0x80 | opcode;
	if (length < 126) frame[1] = 0x80 | length;
	else if (length < 65_536) {
		frame[1] = 0x80 | 126;
		frame.writeUInt16BE(length, 2);
	} else {
		frame[1] = 0x80 | 127;
		frame.writeBigUInt64BE(BigInt(length), 2);
	}
	if (maskOffset === MASK_POOL.length) {
		randomFillSync(MASK_POOL);
		maskOffset = 0;
	}
	MASK_POOL.copy(frame, headerLength, maskOffset, maskOffset + 4);
	maskOffset += 4;
	return { frame, start: headerLength + 4 };
}

/** XORs the payload bytes from `start` on with the four key bytes just before them, in place. */
function applyMask(frame: Buffer, start: number): void {
	const key = start - 4;
	for (let i = start; i < frame.length; i++) frame[i] = (frame[i] ?? 0) ^ (frame[key + ((i - start) & 3)] ?? 0);
}

/** One client frame: FIN set, masked with a fresh key (RFC 6455 §5.3). */
export function encodeFrame(opcode: number, payload: Buffer): Buffer {
	const { frame, start } = maskedFrame(opcode, payload.length);
	payload.copy(frame, start);
	applyMask(frame, start);
	return frame;
}

/** A text frame of `text`, encoded as UTF-8 straight into the frame (no intermediate buffer). */
export function encodeTextFrame(text: string): Buffer {
	const { frame, start } = maskedFrame(OP_TEXT, Buffer.byteLength(text, "utf8"));
	frame.write(text, start, "utf8");
	applyMask(frame, start);
	return frame;
}

/** A frame read from the server. */
export interface Frame {
	fin: boolean;
	opcode: number;
	payload: Buffer;
}

/**
 * Reads whole frames off a byte stream; `push` returns the frames completed by
 * `chunk`. Throws on a masked server frame or an oversized one (the caller closes).
 */
export class FrameReader {
	#buffer: Buffer = Buffer.alloc(0);

	push(chunk: Buffer): Frame[] {
		this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
		const frames: Frame[] = [];
		for (;;) {
			const b = this.#buffer;
			if (b.length < 2) break;
			const first = b[0] ?? 0;
			const second = b[1] ?? 0;
			if ((second & 0x80) !== 0) throw new WsProtocolError(1002, "the server masked a frame");
			let length = second & 0x7f;
			let offset = 2;
			if (length === 126) {
				if (b.length < 4) break;
				length = b.readUInt16BE(2);
				offset = 4;
			} else if (length === 127) {
				if (b.length < 10) break;
				const big = b.readBigUInt64BE(2);
				if (big > BigInt(MAX_MESSAGE_BYTES)) throw new WsProtocolError(1009, "message too big");
				length = Number(big);
				offset = 10;
			}
			if (length > MAX_MESSAGE_BYTES) throw new WsProtocolError(1009, "message too big");
			if (b.length < offset + length) break;
			frames.push({ fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload: b.subarray(offset, offset + length) });
			this.#buffer = b.subarray(offset + length);
		}
		return frames;
	}
}

/** The server broke the protocol; `code` is the close code to answer with. */
export class WsProtocolError extends Error {
	override readonly name = "WsProtocolError";
	constructor(
		readonly code: number,
		message: string,
	) {
		super(message);
	}
}

/** The server refused the upgrade with an HTTP answer (e.g. 401, 426); its status and body. */
export class WsUpgradeRefused extends Error {
	override readonly name = "WsUpgradeRefused";
	constructor(
		readonly status: number,
		readonly body: string,
	) {
		super(`upgrade refused with HTTP ${status}`);
	}
}

/** Opens a WebSocket to `url` (http: or https:, upgraded) with extra request headers. */
export function connectWebSocket(
	url: string,
	options: { headers?: Record<string, string>; timeoutMs?: number },
	handlers: WsHandlers,
): Promise<WsConnection> {
	return new Promise<WsConnection>((resolve, reject) => {
		const target = new URL(url);
		if (target.protocol !== "http:" && target.protocol !== "https:") {
			reject(new TypeError(`url: expected http: or https:, got ${JSON.stringify(target.protocol)}`));
			return;
		}
		const key = randomBytes(16).toString("base64");
		const send = target.protocol === "https:" ? httpsRequest : http.request;
		const req = send(target, {
			method: "GET",
			headers: {
				...options.headers,
				connection: "Upgrade",
				upgrade: "websocket",
				"sec-websocket-version": "13",
				"sec-websocket-key": key,
			},
			timeout: options.timeoutMs ?? 10_000,
		});
		req.on("timeout", () => req.destroy(new Error("WebSocket upgrade timed out")));
		req.on("error", reject);
		req.on("response", (res: IncomingMessage) => {
			const chunks: Buffer[] = [];
			res.on("data", (c: Buffer) => chunks.push(c));
			res.on("end", () => reject(new WsUpgradeRefused(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"))));
			res.on("error", reject);
		});
		req.on("upgrade", (res: IncomingMessage, socket: Duplex, head: Buffer) => {
			if (res.headers["sec-websocket-accept"] !== acceptFor(key)) {
				socket.destroy();
				reject(new Error("WebSocket upgrade: wrong Sec-WebSocket-Accept"));
				return;
			}
			resolve(openConnection(socket, head, handlers));
		});
		req.end();
	});
}

function openConnection(socket: Duplex, head: Buffer, handlers: WsHandlers): WsConnection {
	const reader = new FrameReader();
	let open = true;
	let closed = false;
	let closeSent = false;
	let fragments: Buffer[] = [];
	let fragmentBytes = 0;
	let closeTimer: ReturnType<typeof setTimeout> | undefined;

	const finish = (close: WsClose) => {
		if (closed) return;
		closed = true;
		open = false;
		if (closeTimer) clearTimeout(closeTimer);
		socket.destroy();
		handlers.onClose(close);
	};
	const writeFrame = (frame: Buffer): boolean => {
		if (socket.destroyed || closeSent) return false;
		socket.write(frame);
		return true;
	};
	const write = (opcode: number, payload: Buffer): boolean => {
		if (socket.destroyed || closeSent) return false;
		return writeFrame(encodeFrame(opcode, payload));
	};
	const sendClose = (code: number, reason: string) => {
		if (closeSent) return;
		const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
		payload.writeUInt16BE(code, 0);
		payload.write(reason, 2);
		write(OP_CLOSE, payload);
		closeSent = true;
		open = false;
	};
	const onFrame = (frame: Frame) => {
		switch (frame.opcode) {
			case OP_PING:
				write(OP_PONG, frame.payload);
				return;
			case OP_PONG:
				handlers.onPong?.();
				return;
			case OP_CLOSE: {
				const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
				const reason = frame.payload.length > 2 ? frame.payload.subarray(2).toString("utf8") : "";
				sendClose(code === 1005 ? 1000 : code, "");
				finish({ code, reason });
				return;
			}
			case OP_BINARY:
				throw new WsProtocolError(1003, "binary messages are not part of the channel protocol");
			case OP_TEXT:
			case OP_CONTINUATION: {
				if (frame.opcode === OP_TEXT && fragments.length > 0) throw new WsProtocolError(1002, "interleaved message");
				if (frame.opcode === OP_CONTINUATION && fragments.length === 0)
					throw new WsProtocolError(1002, "continuation without a message");
				fragmentBytes += frame.payload.length;
				if (fragmentBytes > MAX_MESSAGE_BYTES) throw new WsProtocolError(1009, "message too big");
				fragments.push(frame.payload);
				if (!frame.fin) return;
				const text = (fragments.length === 1 ? (fragments[0] ?? Buffer.alloc(0)) : Buffer.concat(fragments)).toString(
					"utf8",
				);
				fragments = [];
				fragmentBytes = 0;
				handlers.onMessage(text);
				return;
			}
			default:
				throw new WsProtocolError(1002, `unknown opcode ${frame.opcode}`);
		}
	};
	const onData = (chunk: Buffer) => {
		try {
			for (const frame of reader.push(chunk)) {
				if (closed) return;
				onFrame(frame);
			}
		} catch (err) {
			const code = err instanceof WsProtocolError ? err.code : 1011;
			sendClose(code, err instanceof Error ? err.message.slice(0, 100) : "error");
			finish({ code, reason: err instanceof Error ? err.message : String(err) });
		}
	};
	socket.on("data", onData);
	socket.on("close", () => finish({ code: 1006, reason: "connection closed" }));
	socket.on("error", () => finish({ code: 1006, reason: "connection error" }));
	if (head.length > 0) queueMicrotask(() => onData(head));

	return {
		get open() {
			return open;
		},
		send(text) {
			if (!open) return false;
			return writeFrame(encodeTextFrame(text));
		},
		ping() {
			if (open) write(OP_PING, Buffer.alloc(0));
		},
		close(code = 1000, reason = "") {
			if (closed) return;
			sendClose(code, reason);
			closeTimer = setTimeout(() => finish({ code, reason }), 2_000);
			closeTimer.unref?.();
		},
		terminate() {
			finish({ code: 1006, reason: "terminated" });
		},
	};
}
