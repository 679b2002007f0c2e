/**
 * The agent's WebSocket client for its channel to the zone, on `ws` (bundled:
 * the agent stays one file without runtime dependencies). Node 20 has no
 * WebSocket client, and the undici one Node 22 ships costs an idle agent about
 * 13 MB of resident memory; `ws` runs on node:http and node:net and loads no
 * undici. ADR 0014 holds the measurements that chose it over the hand-written
 * RFC 6455 client it replaced. Text messages only; binary ones close the
 * socket with 1003, and one over MAX_MESSAGE_BYTES with 1009.
 */
import WebSocket from "ws";

/** Largest message accepted from the server; a bigger one closes the socket with 1009. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/** How long close() waits for the server's close frame before it drops the connection. */
const CLOSE_WAIT_MS = 2_000;

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
	/** Starts the close handshake; the socket is dropped if the peer does not answer within 2 s. */
	close(code?: number, reason?: string): void;
	/** Drops the connection at once (no handshake). */
	terminate(): void;
	readonly open: boolean;
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
		target.protocol = target.protocol === "https:" ? "wss:" : "ws:";
		const ws = new WebSocket(target, {
			headers: options.headers ?? {},
			handshakeTimeout: options.timeoutMs ?? 10_000,
			maxPayload: MAX_MESSAGE_BYTES,
			// The channel's messages are small JSON; compression would cost CPU and zlib memory on both ends.
			perMessageDeflate: false,
		});
		let opened = false;
		let failure = "";
		let closeTimer: ReturnType<typeof setTimeout> | undefined;
		ws.on("unexpected-response", (_req, res) => {
			const chunks: Buffer[] = [];
			res.on("data", (c: Buffer) => chunks.push(c));
			res.on("end", () => {
				reject(new WsUpgradeRefused(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8")));
				// With this listener ws leaves the refused request to us: drop it.
				ws.terminate();
			});
			res.on("error", reject);
		});
		// Errors end in a close event once open (its code tells what happened); before that they fail the connect.
		ws.on("error", (err) => {
			if (!opened) reject(err);
			failure = err.message;
		});
		ws.on("message", (data, isBinary) => {
			if (isBinary) {
				ws.close(1003, "binary messages are not part of the channel protocol");
				return;
			}
			handlers.onMessage(Array.isArray(data) ? Buffer.concat(data).toString("utf8") : data.toString());
		});
		ws.on("pong", () => handlers.onPong?.());
		ws.on("close", (code, reason) => {
			if (closeTimer) clearTimeout(closeTimer);
			// After a protocol error ws sends its close code and drops the socket: the code heard is 1006, the error says why.
			if (opened) handlers.onClose({ code, reason: reason.toString("utf8") || failure });
		});
		ws.on("open", () => {
			opened = true;
			resolve({
				get open() {
					return ws.readyState === WebSocket.OPEN;
				},
				send(text) {
					if (ws.readyState !== WebSocket.OPEN) return false;
					ws.send(text);
					return true;
				},
				ping() {
					if (ws.readyState === WebSocket.OPEN) ws.ping();
				},
				close(code = 1000, reason = "") {
					if (ws.readyState === WebSocket.CLOSED) return;
					ws.close(code, reason);
					closeTimer = setTimeout(() => ws.terminate(), CLOSE_WAIT_MS);
					closeTimer.unref?.();
				},
				terminate() {
					ws.terminate();
				},
			});
		});
	});
}
