/**
 * A TCP proxy on 127.0.0.1 (port 0) that can cut the network between one
 * client (an agent) and its upstream (the edge) without either side's
 * cooperation: the chaos test puts it in front of one agent and blackholes
 * it for longer than a lease, as a broken link or a NAT timeout would.
 * Blackholing destroys every open connection and, until `restore()`,
 * accepts new ones but forwards nothing and answers nothing, so the agent's
 * requests hang until its own timeouts fire, not fail fast.
 */

import type { AddressInfo } from "node:net";
import { connect, createServer, type Socket } from "node:net";

/** A running proxy. */
export interface TcpProxy {
	/** http://127.0.0.1:<port>, to hand to the proxied client as its upstream URL. */
	readonly url: string;
	readonly port: number;
	/** Whether the link is cut now. */
	readonly blackholed: boolean;
	/** Connections accepted so far (forwarded or swallowed). */
	readonly connections: number;
	/** Cuts the link: destroys open connections; new ones are held silent until restore(). */
	blackhole(): void;
	/** Mends the link: held connections are dropped (as a mended NAT would), new ones are forwarded. */
	restore(): void;
	close(): Promise<void>;
}

/** Options: where to forward to. */
export interface TcpProxyOptions {
	/** Upstream host; default 127.0.0.1. */
	upstreamHost?: string;
	/** Upstream port (1..65535). */
	upstreamPort: number;
}

/** Starts a proxy to `upstreamPort` on 127.0.0.1, port 0; it is unref'd so it never keeps a process alive. */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
	const { upstreamPort } = options;
	if (!Number.isInteger(upstreamPort) || upstreamPort < 1 || upstreamPort > 65_535)
		throw new Error(
			`upstreamPort: expected an integer from 1 to 65535, got ${String(upstreamPort)} (${typeof upstreamPort})`,
		);
	const upstreamHost = options.upstreamHost ?? "127.0.0.1";
	const open = new Set<Socket>();
	const held = new Set<Socket>();
	let blackholed = false;
	let connections = 0;

	const track = (socket: Socket, set: Set<Socket>) => {
		set.add(socket);
		socket.on("close", () => set.delete(socket));
		// A reset from either side is the expected end of a cut link, not a failure of the proxy.
		socket.on("error", () => socket.destroy());
	};

	const server = createServer((client) => {
		connections++;
		if (blackholed) {
			// Read and drop everything, answer nothing: what a dead link looks like to the sender.
			track(client, held);
			client.resume();
			return;
		}
		track(client, open);
		const upstream = connect({ host: upstreamHost, port: upstreamPort });
		track(upstream, open);
		client.pipe(upstream);
		upstream.pipe(client);
		client.on("close", () => upstream.destroy());
		upstream.on("close", () => client.destroy());
	});
	server.unref();
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	const destroyAll = (set: Set<Socket>) => {
		for (const socket of set) socket.destroy();
		set.clear();
	};
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		get blackholed() {
			return blackholed;
		},
		get connections() {
			return connections;
		},
		blackhole: () => {
			blackholed = true;
			destroyAll(open);
		},
		restore: () => {
			blackholed = false;
			destroyAll(held);
		},
		close: () =>
			new Promise<void>((resolve) => {
				destroyAll(open);
				destroyAll(held);
				server.close(() => resolve());
			}),
	};
}
