/**
 * A minimal reverse proxy in Node (node:http, keep-alive to the upstream),
 * the floor of any gateway on this machine: `npm run bench` measures it
 * beside the edge, in front of the same fake server. Run as a script in a
 * process of its own, as a gateway would be: `node --import tsx
 * bench/node-proxy.ts <upstream URL>` prints `listening <port>`.
 */
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ManagedProcess, spawnManaged } from "../test/support/managed-process.js";
import { waitFor } from "../test/support/wait.js";

/** The proxy: requests to its port go to `upstream` with the same method, path and headers, and stream back. */
function serve(upstream: URL): void {
	const agent = new Agent({ keepAlive: true });
	const server = createServer((req, res) => {
		const up = request(
			{ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
			(upRes) => {
				res.writeHead(upRes.statusCode ?? 502, upRes.headers);
				upRes.pipe(res);
			},
		);
		up.on("error", (err) => {
			if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
			res.end(`proxy: upstream ${upstream.origin}: ${err.message}`);
		});
		req.pipe(up);
	});
	server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as AddressInfo).port}`));
}

/** The proxy running in a child process. */
export interface NodeProxy {
	url: string;
	pid: number;
	stop(): Promise<unknown>;
}

/** Starts the proxy in front of `upstream` in a child process; resolves once it listens. */
export async function startNodeProxy(upstream: string): Promise<NodeProxy> {
	const proc: ManagedProcess = spawnManaged({
		name: "node-proxy",
		command: process.execPath,
		args: ["--import", "tsx", fileURLToPath(import.meta.url), upstream],
		cwd: join(fileURLToPath(import.meta.url), "..", ".."),
	});
	const port = await waitFor(
		"the Node reverse proxy to listen",
		async () => {
			const line = proc.logs.find((l) => l.startsWith("listening "));
			if (!proc.isRunning()) throw new Error(`node-proxy exited: ${proc.logs.slice(-5).join("\n")}`);
			return line ? Number(line.slice("listening ".length)) : undefined;
		},
		{ timeoutMs: 30_000, intervalMs: 50 },
	);
	return { url: `http://127.0.0.1:${port}`, pid: proc.pid, stop: () => proc.stop(5_000) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const target = process.argv[2];
	if (!target || !URL.canParse(target)) {
		console.error(`usage: node --import tsx bench/node-proxy.ts <upstream URL>; got ${JSON.stringify(target)}`);
		process.exit(2);
	}
	serve(new URL(target));
}
