/**
 * The agent's `/metrics` endpoint (--metrics-listen, off by default): a plain
 * node:http server that answers GET /metrics with the agent's metrics and
 * 404 to anything else. It listens where it is told, 127.0.0.1 unless the
 * operator names another address.
 */
import type { Server } from "node:http";
import { PROMETHEUS_CONTENT_TYPE } from "../../../src/protocol/prometheus-text.js";
import { http } from "../builtins.js";
import type { AgentMetrics } from "./agent-metrics.js";

/** Where the server listens. */
export interface ListenAddress {
	host: string;
	port: number;
}

/** A running metrics server; `close` stops it. */
export interface MetricsServer {
	/** The address it listens on (the port the OS chose when asked for 0). */
	address: ListenAddress;
	close(): Promise<void>;
}

/** Starts the server; rejects when the address cannot be bound (in use, not local). */
export function startMetricsServer(metrics: AgentMetrics, listen: ListenAddress): Promise<MetricsServer> {
	const server: Server = http.createServer((req, res) => {
		const path = (req.url ?? "/").split("?")[0];
		if (path !== "/metrics") {
			res.writeHead(404, { "content-type": "text/plain" }).end("not found: the agent serves only GET /metrics\n");
			return;
		}
		if (req.method !== "GET" && req.method !== "HEAD") {
			res
				.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" })
				.end(`method ${req.method} not allowed\n`);
			return;
		}
		const body = metrics.render();
		res.writeHead(200, { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" });
		res.end(req.method === "HEAD" ? undefined : body);
	});
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(listen.port, listen.host, () => {
			server.off("error", reject);
			const bound = server.address();
			const port = typeof bound === "object" && bound ? bound.port : listen.port;
			resolve({
				address: { host: listen.host, port },
				close: () => new Promise<void>((done) => server.close(() => done())),
			});
		});
	});
}

/**
 * Parses `host:port`, `[v6]:port` or a bare port (then 127.0.0.1).
 * @example parseListenAddress("127.0.0.1:9464") // { host: "127.0.0.1", port: 9464 }
 */
export function parseListenAddress(raw: string): ListenAddress | string {
	const match = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(raw.trim());
	const port = match ? Number(match[2]) : Number.NaN;
	if (!match || !Number.isInteger(port) || port < 1 || port > 65_535) {
		return `expected host:port (e.g. 127.0.0.1:9464) or a port from 1 to 65535, got ${JSON.stringify(raw)}`;
	}
	const host = match[1] ?? "127.0.0.1";
	return { host: host.startsWith("[") ? host.slice(1, -1) : host, port };
}
