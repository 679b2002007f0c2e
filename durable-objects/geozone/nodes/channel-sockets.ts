/**
 * The GeozoneDO's accepted channel sockets (ADR 0010), kept out of the class
 * so it stays a thin shell: accepting an upgrade the Worker forwarded,
 * answering each message through channel.ts (one over MAX_CHANNEL_MESSAGE_BYTES
 * closes the socket with 1009 unread), and forgetting a socket that
 * closed, so that its open poll ends and no job is handed to it.
 */
import {
	CHANNEL_NODE_HEADER,
	CHANNEL_ZONE_HEADER,
	MAX_CHANNEL_MESSAGE_BYTES,
} from "../../../src/protocol/agent-channel.js";
import { nodeIdSchema, zoneIdSchema } from "../../../src/protocol/agent-wire.js";
import {
	answerChannelMessage,
	type ChannelOps,
	type ChannelPeer,
	CLOSE_REAUTHENTICATE,
	deliverChannelAnswer,
	overChannelCap,
} from "./channel.js";
import type { Waiters } from "./waiters.js";

/** A refusal of the upgrade in OpenAI's error shape, as every answer of the edge. */
function refusal(status: 400 | 404, message: string, param: string | null, code: string): Response {
	return Response.json({ error: { message, type: "invalid_request_error", param, code } }, { status });
}

export class ChannelSockets {
	readonly #ctx: DurableObjectState;
	readonly #waiters: Waiters;
	readonly #ops: ChannelOps;
	/** Sockets that closed; answers still due on them release their jobs instead. */
	readonly #closed = new WeakSet<WebSocket>();
	/** The socket each node's open channel poll came in on, so that closing an old socket leaves a newer poll alone. */
	readonly #pollSocket = new Map<string, WebSocket>();

	constructor(ctx: DurableObjectState, waiters: Waiters, ops: ChannelOps) {
		this.#ctx = ctx;
		this.#waiters = waiters;
		this.#ops = ops;
	}

	/**
	 * Accepts the upgrade the Worker forwarded after checking the node's JWT
	 * (the node and zone come in headers only the Worker sets); `checkZone`
	 * throws if this object serves another zone. Anything else is 404.
	 */
	accept(request: Request, checkZone: (zoneId: string) => void): Response {
		const url = new URL(request.url);
		if (url.pathname !== "/channel" || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
			return refusal(404, "The zone object answers only the channel upgrade.", null, "unknown_route");
		}
		const nodeId = nodeIdSchema.safeParse(request.headers.get(CHANNEL_NODE_HEADER));
		const zoneId = zoneIdSchema.safeParse(request.headers.get(CHANNEL_ZONE_HEADER));
		if (!nodeId.success || !zoneId.success) {
			return refusal(
				400,
				"channel: the node and zone headers the Worker sets are required.",
				CHANNEL_NODE_HEADER,
				"invalid_value",
			);
		}
		checkZone(zoneId.data);
		const pair = new WebSocketPair();
		const [client, server] = [pair[0], pair[1]];
		this.#ctx.acceptWebSocket(server, [nodeId.data]);
		const peer: ChannelPeer = { nodeId: nodeId.data, zoneId: zoneId.data, openedAt: Date.now() };
		server.serializeAttachment(peer);
		return new Response(null, { status: 101, webSocket: client });
	}

	/** Answers one message with what the same HTTP call would answer; a message that is no request closes the socket. */
	async message(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
		const peer = socket.deserializeAttachment() as ChannelPeer | null;
		if (!peer) {
			socket.close(1011, "channel without a node");
			return;
		}
		if (overChannelCap(message)) {
			// 1009 "message too big": the agent sends such a post over HTTP instead; nothing of it is read.
			socket.close(1009, `message over ${MAX_CHANNEL_MESSAGE_BYTES} bytes; post it over HTTP`);
			return;
		}
		const ops: ChannelOps = {
			...this.#ops,
			poll: async (input, sendNow) => {
				this.#pollSocket.set(peer.nodeId, socket);
				try {
					return await this.#ops.poll(input, sendNow);
				} finally {
					if (this.#pollSocket.get(peer.nodeId) === socket) this.#pollSocket.delete(peer.nodeId);
				}
			},
		};
		const send = (text: string) => this.#send(socket, text);
		const reply = await answerChannelMessage(peer, message, ops, Date.now(), send);
		if (reply === null) {
			socket.close(1008, "expected a channel request { id, op, body }");
			return;
		}
		await deliverChannelAnswer(socket, peer, reply, this.#ops, send);
	}

	/** Sends on the socket at once if it is open; false when it is closed or the send fails. */
	#send(socket: WebSocket, text: string): boolean {
		if (this.#closed.has(socket)) return false;
		try {
			socket.send(text);
			return true;
		} catch {
			return false;
		}
	}

	/** The socket closed or failed: its open poll (if it came on this socket) ends with no jobs. */
	gone(socket: WebSocket): void {
		this.#closed.add(socket);
		const peer = socket.deserializeAttachment() as ChannelPeer | null;
		if (peer && this.#pollSocket.get(peer.nodeId) === socket) {
			this.#pollSocket.delete(peer.nodeId);
			this.#waiters.supersede(peer.nodeId);
		}
	}

	/** Closes every channel of `nodeId` (key rotated, node revoked); returns how many. */
	closeNode(nodeId: string, reason: string): number {
		const sockets = this.#ctx.getWebSockets(nodeId);
		for (const socket of sockets) {
			this.gone(socket);
			socket.close(CLOSE_REAUTHENTICATE, reason.slice(0, 100));
		}
		return sockets.length;
	}
}
